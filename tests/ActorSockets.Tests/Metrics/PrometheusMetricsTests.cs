using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Metrics;

/// <summary>Every documented instrument on a real program's <c>/metrics</c>, after real traffic.</summary>
public class PrometheusMetricsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Echo_serves_each_metric_with_Kestrel_shaped_names_and_OpenTelemetry_attributes()
    {
        var conf = Path.Combine(Path.GetTempPath(), $"actorsockets-{Guid.NewGuid():N}.conf");
        File.WriteAllText(conf, """actorsockets.servers.echo { deny = ["127.0.0.2/32"], max-line-length = 16 }""");
        var metricsPort = TestHost.FreePort();
        using var sample = await SampleProcess.StartAsync("Echo", "--one-shot", "--config", conf,
            "--metrics-port", metricsPort.ToString(), "--metrics-host", "127.0.0.1");
        try
        {
            using (var ok = await TestClient.ConnectAsync(sample.Port))
            {
                await ok.SendAsync("hello\n");
                Assert.Equal("hello\n", await ok.ReadToEndAsync());
            }
            using (var tooLong = await TestClient.ConnectAsync(sample.Port)) // the handler's read fails: handler_error
            {
                await tooLong.SendAsync(new string('x', 40) + "\n");
                Assert.True(await tooLong.IsClosedByServerAsync());
            }
            using (var denied = await TestClient.ConnectAsync(sample.Port, fromAddress: "127.0.0.2"))
                Assert.True(await denied.IsClosedByServerAsync());

            const string duration = "actorsockets_connection_duration_seconds_count";
            var text = await PrometheusScrape.Until(metricsPort, duration, "echo", v => v == 1, Deadline, ("error_type", "handler_error"));
            text = await PrometheusScrape.Until(metricsPort, "actorsockets_rejected_connections_total", "echo", v => v == 1, Deadline);
            Assert.Equal(1, PrometheusScrape.Value(text, duration, "echo", ("error_type", null)));
            Assert.Equal(1, PrometheusScrape.Value(text, duration, "echo", ("error_type", "handler_error")));
            Assert.Equal(0, PrometheusScrape.Value(text, "actorsockets_active_connections", "echo"));
            Assert.Equal(0, PrometheusScrape.Value(text, "actorsockets_queued_connections", "echo"));
            Assert.Equal("hello\n".Length + 41, PrometheusScrape.Value(text, "actorsockets_network_io_bytes_total", "echo", ("network_io_direction", "receive")));
            Assert.Equal("hello\n".Length, PrometheusScrape.Value(text, "actorsockets_network_io_bytes_total", "echo", ("network_io_direction", "transmit")));
            Assert.Equal(1, PrometheusScrape.Value(text, "actorsockets_limit_events_total", "echo", ("reason", "line_too_long")));

            var active = Assert.Single(PrometheusScrape.Samples(text, "actorsockets_active_connections"),
                s => s.Labels.GetValueOrDefault("actorsockets_server_name") == "echo");
            Assert.Equal("127.0.0.1", active.Labels["server_address"]);
            Assert.Equal(sample.Port.ToString(), active.Labels["server_port"]);
            Assert.Equal("tcp", active.Labels["network_transport"]);
            Assert.Equal("ipv4", active.Labels["network_type"]);
            Assert.Contains(PrometheusScrape.Samples(text, "target_info"), s => s.Labels.GetValueOrDefault("service_name") == "Echo");
            Assert.Equal(0, await sample.StopAsync());
        }
        finally
        {
            File.Delete(conf);
        }
    }

    [Fact]
    public async Task Metrics_listen_on_the_metrics_host_only_and_name_each_rejection_by_its_error_type()
    {
        using var certs = new TestCertificates();
        var metricsPort = TestHost.FreePort();
        using var sample = await SampleProcess.StartAsync("Echo", "--proxy-protocol", "On", "--proxy-protocol-trusted", "127.0.0.0/8", "--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey,
            "--metrics-port", metricsPort.ToString(), "--metrics-host", "127.0.0.2");
        using (var noHeader = await TestClient.ConnectAsync(sample.Port)) // no PROXY header: proxy_header
        {
            await noHeader.SendAsync("GET / HTTP/1.0\r\n\r\n");
            Assert.True(await noHeader.IsClosedByServerAsync());
        }
        using (var notTls = await TestClient.ConnectAsync(sample.Port)) // a header, then no TLS: tls_handshake
        {
            await notTls.SendAsync("PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\nhello, in clear text\n");
            Assert.True(await notTls.IsClosedByServerAsync());
        }

        const string rejected = "actorsockets_rejected_connections_total";
        var text = await PrometheusScrape.Until("127.0.0.2", metricsPort, rejected, "echo", v => v == 1, Deadline, ("error_type", "tls_handshake"));
        text = await PrometheusScrape.Until("127.0.0.2", metricsPort, rejected, "echo", v => v == 1, Deadline, ("error_type", "proxy_header"));
        // The names a dashboard or an alert is written against, literally.
        Assert.Matches(@"(?m)^actorsockets_rejected_connections_total\{[^}]*error_type=""proxy_header""[^}]*\} 1$", text);
        Assert.Matches(@"(?m)^actorsockets_rejected_connections_total\{[^}]*error_type=""tls_handshake""[^}]*\} 1$", text);
        Assert.True(await TestHost.RefusesConnections(metricsPort), "the metrics endpoint listens on 127.0.0.2 only, not on 127.0.0.1");
        Assert.Equal(0, await sample.StopAsync());
    }

    [Fact]
    public async Task The_endpoint_answers_any_host_and_closes_a_client_whose_request_is_late()
    {
        var metricsPort = TestHost.FreePort();
        using var sample = await SampleProcess.StartAsync("Echo", "--metrics-port", metricsPort.ToString());
        using (var curl = await TestClient.ConnectAsync(metricsPort)) // what `curl localhost:PORT/metrics` sends
        {
            await curl.SendAsync($"GET /metrics HTTP/1.1\r\nHost: localhost:{metricsPort}\r\nUser-Agent: curl\r\nAccept: */*\r\n\r\n");
            var (answer, _) = await curl.ReadUntilClosedAsync(Deadline);
            Assert.StartsWith("HTTP/1.1 200 OK", System.Text.Encoding.ASCII.GetString(answer));
        }
        using var slow = await TestClient.ConnectAsync(metricsPort);
        await slow.SendAsync("G"); // and then nothing: a slowloris client
        Assert.True(await slow.IsClosedByServerAsync(TimeSpan.FromSeconds(30)), "closed after the request head timeout (10 s)");
        Assert.Equal(0, await sample.StopAsync());
    }

    [Fact]
    public async Task A_metrics_host_that_is_not_an_address_is_a_usage_error()
    {
        using var sample = SampleProcess.Launch("Echo", "--metrics-port", TestHost.FreePort().ToString(), "--metrics-host", "not an address");
        Assert.Equal(2, await sample.WaitForExitAsync());
        Assert.Contains("--metrics-host", sample.Stderr);
    }
}
