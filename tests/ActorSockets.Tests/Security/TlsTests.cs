using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ActorSockets.Configuration;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using ActorSockets.Tls;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Security;

public class TlsTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private readonly TestCertificates _certs = new();

    private ServerOptions TlsServer(ClientCertificateMode clients = ClientCertificateMode.None, TimeSpan? handshakeTimeout = null)
        => ServerOptions.Tcp() with
        {
            Tls = new TlsOptions
            {
                Certificate = _certs.ServerCert,
                Key = _certs.ServerKey,
                ClientCertificate = clients,
                Ca = clients == ClientCertificateMode.None ? "" : _certs.CaPem,
                HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(10),
            },
        };

    private Task<(int ExitCode, string Stdout, string Stderr)> PythonClient(int port, params string[] args)
        => Python.RunAsync("tls_client.py", [port.ToString(), _certs.CaPem, .. args]);

    [Fact]
    public async Task A_python_ssl_client_is_echoed_over_tls_and_verifies_the_server_certificate()
    {
        Track(_certs);
        var server = await ServeAsync(TlsServer(), Props.Create<WhoEchoHandler>());
        var (code, stdout, stderr) = await PythonClient(server.Port, "--line", "hello over tls", "--line", "who");
        Output.WriteLine(stdout + stderr);
        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"PEER {TestCertificates.Thumbprint(_certs.ServerCert)}", lines[0]); // verified against the CA, host name checked
        Assert.Equal("hello over tls", lines[1]);
        Assert.StartsWith("client=127.0.0.1:", lines[2]);
        Assert.EndsWith("cert=none", lines[2]);
    }

    [Fact]
    public async Task Handlers_run_on_the_request_dispatcher_unless_their_props_choose_one()
    {
        Track(_certs);
        var tls = await ServeAsync(TlsServer(), Props.Create<DispatcherReportingHandler>());
        await using (var client = await TlsClient.ConnectAsync(tls.Port))
            Assert.Equal("actorsockets.request-dispatcher", await client.RequestLineAsync("where"));

        var chosen = await ServeAsync(TlsServer(), Props.Create<DispatcherReportingHandler>().WithDispatcher("akka.actor.default-blocking-io-dispatcher"));
        await using (var client = await TlsClient.ConnectAsync(chosen.Port))
            Assert.Equal("akka.actor.default-blocking-io-dispatcher", await client.RequestLineAsync("where"));

        var plain = await ServeAsync(ServerOptions.Tcp(), Props.Create<DispatcherReportingHandler>());
        Assert.Equal("actorsockets.request-dispatcher\n", await TestClient.RequestLineAsync(plain.Port, "where"));
    }

    [Fact]
    public async Task Openssl_s_client_is_echoed()
    {
        Track(_certs);
        if (!File.Exists("/usr/bin/openssl")) throw new InvalidOperationException("openssl is not installed");
        var server = await ServeAsync(TlsServer(), Props.Create<WhoEchoHandler>());
        var info = new System.Diagnostics.ProcessStartInfo("openssl",
            ["s_client", "-connect", $"127.0.0.1:{server.Port}", "-quiet", "-CAfile", _certs.CaPem, "-verify_return_error"])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(info)!;
        await process.StandardInput.WriteAsync("hello openssl\nquit\n");
        await process.StandardInput.FlushAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync().Within(Deadline, "openssl s_client to end");
        Output.WriteLine(stdout + await process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync().Within(Deadline, "openssl to exit");
        Assert.Equal("hello openssl\n", stdout);
    }

    [Fact]
    public async Task A_plain_client_is_closed_counted_and_the_next_tls_client_served()
    {
        Track(_certs);
        var server = await ServeAsync(TlsServer(), Props.Create<WhoEchoHandler>());
        var (_, plain, _) = await PythonClient(server.Port, "--plain", "--line", "hello in clear");
        Assert.Equal("CLOSED", plain.Trim());
        await server.StatsWhenAsync(s => s.TlsHandshakeFailures == 1, "the failed handshake counted");
        var (_, secure, _) = await PythonClient(server.Port, "--line", "still here");
        Assert.Contains("still here", secure);
        var stats = await server.GetStatsAsync();
        Assert.Equal(0, stats.HandlerFailures); // a bad handshake never reaches a handler
    }

    [Fact]
    public async Task A_required_client_certificate_is_enforced()
    {
        Track(_certs);
        var server = await ServeAsync(TlsServer(ClientCertificateMode.Required), Props.Create<WhoEchoHandler>());

        var (_, none, _) = await PythonClient(server.Port, "--line", "who");
        Output.WriteLine("no certificate: " + none);
        Assert.DoesNotContain("client=", none);
        Assert.Matches("CLOSED|FAILED", none);

        var (_, stranger, _) = await PythonClient(server.Port, "--cert", _certs.StrangerCert, "--key", _certs.StrangerKey, "--line", "who");
        Output.WriteLine("certificate from no known CA: " + stranger);
        Assert.DoesNotContain("client=", stranger);

        var (_, good, _) = await PythonClient(server.Port, "--cert", _certs.ClientCert, "--key", _certs.ClientKey, "--line", "who");
        Output.WriteLine("certificate from the CA: " + good);
        Assert.Contains($"cert=CN=test-client thumbprint={TestCertificates.Thumbprint(_certs.ClientCert)}\n", good);
        await server.StatsWhenAsync(s => s.TlsHandshakeFailures == 2, "both refused handshakes counted");
    }

    [Fact]
    public async Task An_optional_client_certificate_serves_clients_with_and_without_one()
    {
        Track(_certs);
        var server = await ServeAsync(TlsServer(ClientCertificateMode.Optional), Props.Create<WhoEchoHandler>());
        var (_, none, _) = await PythonClient(server.Port, "--line", "who");
        Assert.Contains("cert=none", none);
        var (_, good, _) = await PythonClient(server.Port, "--cert", _certs.ClientCert, "--key", _certs.ClientKey, "--line", "who");
        Assert.Contains("cert=CN=test-client", good);
    }

    [Fact]
    public async Task A_certificate_renewed_on_disk_is_served_to_new_connections_without_a_restart()
    {
        Track(_certs);
        var server = await ServeAsync(TlsServer(), Props.Create<WhoEchoHandler>());
        var first = TestCertificates.Thumbprint(_certs.ServerCert);
        var (_, before, _) = await PythonClient(server.Port, "--line", "x");
        Assert.Contains($"PEER {first}", before);

        await using var held = await TlsClient.ConnectAsync(server.Port); // a connection made before the renewal
        var renewed = _certs.WriteServer("CN=localhost");
        Assert.NotEqual(first, renewed);
        string after = "";
        await Eventually.Until(() =>
        {
            after = PythonClient(server.Port, "--line", "x").Result.Stdout;
            return after.Contains($"PEER {renewed}");
        }, Deadline, "a new connection is served the renewed certificate");
        Assert.Contains("\nx", after);
        Assert.Equal("still served", await held.RequestLineAsync("still served")); // the old connection carries on
    }

    [Fact]
    public async Task A_broken_certificate_file_keeps_the_previous_certificate_and_is_logged_once()
    {
        Track(_certs);
        var server = await ServeAsync(TlsServer(), Props.Create<WhoEchoHandler>());
        var first = TestCertificates.Thumbprint(_certs.ServerCert);
        await EventFilter.Warning(contains: "not reloaded").ExpectOneAsync(Deadline, async () =>
        {
            File.WriteAllText(_certs.ServerCert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
            for (int i = 0; i < 3; i++)
            {
                await using var client = await TlsClient.ConnectAsync(server.Port);
                Assert.Equal(first, client.ServerThumbprint); // the previous certificate is still served
            }
        });
        var renewed = _certs.WriteServer("CN=localhost");
        await using var after = await TlsClient.ConnectAsync(server.Port);
        Assert.Equal(renewed, after.ServerThumbprint);
    }

    [Fact]
    public async Task A_bad_or_slow_handshake_closes_only_that_connection()
    {
        Track(_certs);
        var server = await ServeAsync(TlsServer(handshakeTimeout: TimeSpan.FromMilliseconds(500)), Props.Create<WhoEchoHandler>());
        using var metrics = new MetricsCollector(server.Name);
        await using var good = await TlsClient.ConnectAsync(server.Port);
        Assert.Equal("before", await good.RequestLineAsync("before"));

        using var silent = await TestClient.ConnectAsync(server.Port); // connects, never says hello
        using var garbage = await TestClient.ConnectAsync(server.Port);
        await garbage.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5 }); // a ClientHello that is not one
        await garbage.ReadUntilClosedAsync(Deadline); // fails the test if it stays open (a TLS alert may come first)
        var (said, _) = await silent.ReadUntilClosedAsync(Deadline); // closed by the handshake timeout
        Assert.Empty(said);

        Assert.Equal("after", await good.RequestLineAsync("after"));
        var stats = await server.StatsWhenAsync(s => s.TlsHandshakeFailures == 2, "both failed handshakes counted");
        Assert.Equal(2, metrics.Sum(ActorSockets.Metrics.ActorSocketsMetrics.RejectedConnections));
        Assert.Equal(0, stats.HandlerFailures);
    }

    [Fact]
    public async Task A_unix_stream_server_serves_tls()
    {
        Track(_certs);
        var path = NewUnixPath();
        var options = ServerOptions.UnixStream(path) with { Tls = new TlsOptions { Certificate = _certs.ServerCert, Key = _certs.ServerKey } };
        await ServeAsync(options, Props.Create<WhoEchoHandler>());
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost").WaitAsync(Deadline);
        await ssl.WriteAsync("over unix\n"u8.ToArray());
        using var reader = new StreamReader(ssl);
        Assert.Equal("over unix", await reader.ReadLineAsync().WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_pfx_certificate_with_a_password_is_served()
    {
        Track(_certs);
        var options = ServerOptions.Tcp() with { Tls = new TlsOptions { Certificate = _certs.ServerPfx, Password = "secret" } };
        var server = await ServeAsync(options, Props.Create<WhoEchoHandler>());
        await using var client = await TlsClient.ConnectAsync(server.Port);
        Assert.Equal("pfx", await client.RequestLineAsync("pfx"));
    }

    [Fact]
    public async Task Hocon_tls_settings_serve_tls_and_bad_ones_name_the_problem()
    {
        Track(_certs);
        Config Conf(string body) => ConfigurationFactory.ParseString($"actorsockets.servers.s {{ {body} }}");
        var good = ServerConfig.Read(Conf($"tls {{ certificate = \"{_certs.ServerCert}\", key = \"{_certs.ServerKey}\", protocols = \"tls12, tls13\", handshake-timeout = 2s }}"), "s");
        Assert.Equal(TimeSpan.FromSeconds(2), good.Tls!.HandshakeTimeout);
        var server = await ServeAsync(good, Props.Create<WhoEchoHandler>());
        await using (var client = await TlsClient.ConnectAsync(server.Port))
            Assert.Equal("hocon", await client.RequestLineAsync("hocon"));

        var missing = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(Conf("tls.certificate = \"/nonexistent/cert.pem\""), "s"));
        Assert.Contains("/nonexistent/cert.pem", missing.Message);
        Assert.Contains("tls.certificate", missing.Setting);

        var mismatch = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(
            Conf($"tls {{ certificate = \"{_certs.ServerCert}\", key = \"{_certs.StrangerKey}\" }}"), "s"));
        Output.WriteLine(mismatch.Message);
        Assert.Contains("does not match", mismatch.Message);
        Assert.Contains("tls.key", mismatch.Setting);

        var udp = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(
            Conf($"kind = datagram, tls {{ certificate = \"{_certs.ServerCert}\", key = \"{_certs.ServerKey}\" }}"), "s"));
        Assert.Contains("datagram", udp.Message);

        var protocols = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(
            Conf($"tls {{ certificate = \"{_certs.ServerCert}\", key = \"{_certs.ServerKey}\", protocols = ssl3 }}"), "s"));
        Assert.Contains("ssl3", protocols.Message);
    }

    /// <summary>Answers the id of the dispatcher it runs on, for one line.</summary>
    public sealed class DispatcherReportingHandler : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            await ReadLineAsync();
            await WriteAsync(Context.Dispatcher.Id + "\n");
        }
    }
}
