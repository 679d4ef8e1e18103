using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>TLS in forking mode, on both paths: a socket handed to a local worker is wrapped in
/// that worker with the server's certificate files; on the relay path the listener's connection
/// keeps the TLS session and the handler runs in a worker on plain bytes. Either way a bad
/// handshake is counted and logged by the listener and never reaches a handler.</summary>
[Collection(ForkingCollections.Serving)]
public class ForkingTlsTests(ITestOutputHelper output)
{
    public static TheoryData<string> Paths => ForkingServers.Paths;

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_python_ssl_client_is_served_by_a_worker_process(string path)
    {
        using var certs = new TestCertificates();
        using var server = await StartAsync(path, certs, "");
        var (exit, stdout, stderr) = await Python.RunAsync("tls_client.py", server.Port.ToString(), certs.CaPem,
            "--line", "over tls", "--line", "again");
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("PEER ", lines[0]);
        var pid = int.Parse(lines[1].Split(' ')[0]);
        Assert.Equal($"{pid} over tls", lines[1]);
        Assert.Equal($"{pid} again", lines[2]);
        Assert.NotEqual(server.Pid, pid); // a worker served it
        Assert.Equal(0, await server.StopAsync());
        Assert.Single(Regex.Matches(server.Stderr, $@"\(path={path}\)")); // and on the path asked for
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_plain_client_is_refused_and_counted_by_the_listener_and_the_next_tls_client_served(string path)
    {
        using var certs = new TestCertificates();
        using var server = await StartAsync(path, certs, "");
        var (_, plain, _) = await Python.RunAsync("tls_client.py", server.Port.ToString(), certs.CaPem, "--plain", "--line", "in clear");
        Assert.Equal("CLOSED", plain.Trim());
        // The listener counts and logs it (for a handed-off socket, from the worker's end report).
        await server.WaitForStderrAsync("TLS handshake failed", TimeSpan.FromSeconds(20));
        var (exit, secure, _) = await Python.RunAsync("tls_client.py", server.Port.ToString(), certs.CaPem, "--line", "still here");
        Assert.Equal(0, exit);
        Assert.EndsWith(" still here", secure.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.Equal(0, await server.StopAsync());
        output.WriteLine(server.Stderr);
        Assert.DoesNotMatch(@"Handler \S+ for client \S+ (failed|ended)", server.Stderr); // no handler ever saw it
        if (path == "handoff") Assert.Contains("in worker process", server.Stderr);
    }

    [Fact]
    public async Task A_hand_off_worker_enforces_a_required_client_certificate_sees_its_subject_and_thumbprint_and_serves_a_renewed_certificate()
    {
        using var certs = new TestCertificates();
        using var server = await StartAsync("handoff", certs, $"client-certificate = required\n ca = \"{certs.CaPem}\"");
        var (_, none, _) = await Python.RunAsync("tls_client.py", server.Port.ToString(), certs.CaPem, "--line", "who");
        output.WriteLine("no certificate: " + none);
        Assert.Matches("CLOSED|FAILED", none);
        var client = new[] { "--cert", certs.ClientCert, "--key", certs.ClientKey };
        var (exit, good, _) = await Python.RunAsync("tls_client.py", [server.Port.ToString(), certs.CaPem, .. client, "--line", "who"]);
        output.WriteLine("certificate from the CA: " + good);
        Assert.Equal(0, exit);
        var lines = good.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"PEER {TestCertificates.Thumbprint(certs.ServerCert)}", lines[0]);
        Assert.EndsWith($" cert=CN=test-client thumbprint={TestCertificates.Thumbprint(certs.ClientCert)}", lines[1]);
        Assert.NotEqual(server.Pid, int.Parse(lines[1].Split(' ')[0])); // seen by the worker's handler

        // The worker reads the certificate files itself: a renewal on disk reaches it without a restart.
        var renewed = certs.WriteServer("CN=localhost");
        string after = "";
        var sinceRenewal = System.Diagnostics.Stopwatch.StartNew();
        while (!after.Contains($"PEER {renewed}") && sinceRenewal.Elapsed < TimeSpan.FromSeconds(20))
            after = (await Python.RunAsync("tls_client.py", [server.Port.ToString(), certs.CaPem, .. client, "--line", "who"])).Stdout;
        Assert.Contains($"PEER {renewed}", after);
        Assert.Contains($" cert=CN=test-client thumbprint={TestCertificates.Thumbprint(certs.ClientCert)}", after);
        Assert.Equal(0, await server.StopAsync());
        Assert.Contains("(path=handoff)", server.Stderr);
    }

    [Fact]
    public async Task Silent_sockets_do_not_delay_a_good_tls_client()
    {
        using var certs = new TestCertificates();
        using var server = await StartAsync("handoff", certs, ""); // max-children 40: fewer than the silent sockets
        var silent = await Limits.PendingHandshakeTests.ConnectManyAsync(server.Port, 200);
        try
        {
            // A .NET client on a connection of its own, timed from connect to its answer.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await using (var good = await TlsClient.ConnectAsync(server.Port))
                Assert.EndsWith(" served", await good.RequestLineAsync("served"));
            output.WriteLine($"good client served in {clock.ElapsedMilliseconds} ms behind 200 silent sockets");
            // A listener that queued the good client behind the silent handshakes would hold it for
            // their 10 s handshake-timeout; served at once it takes about 0.2 s quiet, 1.2 s at load 60.
            var bound = TimeSpan.FromSeconds(2) * TestTime.Factor;
            Assert.True(clock.Elapsed < bound, $"the good client waited {clock.Elapsed}");
        }
        finally
        {
            foreach (var socket in silent) socket.Dispose();
        }
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>The test server in forking mode with one worker, TLS from a --config file
    /// (<paramref name="tls"/>: more keys of its tls block) and debug logs that name each request's path.</summary>
    private static Task<SampleProcess> StartAsync(string path, TestCertificates certs, string tls)
    {
        var config = Path.Combine(Path.GetTempPath(), $"actorsockets-forking-tls-{Guid.NewGuid():N}.conf");
        File.WriteAllText(config, $$"""
            actorsockets.server-defaults {
              forking.socket-handoff = {{(path == "handoff" ? "on" : "off")}}
              tls { certificate = "{{certs.ServerCert}}", key = "{{certs.ServerKey}}"
                {{tls}} }
            }
            """);
        return SampleProcess.StartAsync("ActorSockets.TestServer", "--mode", "forking", "--workers", "1", "--config", config,
            "--log-level", "Debug");
    }
}
