using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorSockets.Configuration;
using ActorSockets.Connections;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Security;

public class ProxyProtocolTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly IPNetwork[] OnlyLocalhost = [IPNetwork.Parse("127.0.0.1/32")]; // the balancer; 127.0.0.2 is anyone else

    private static ServerOptions Proxied(ProxyProtocolMode mode = ProxyProtocolMode.On)
        => ServerOptions.Tcp() with { ProxyProtocol = mode, ProxyProtocolTrusted = OnlyLocalhost };

    private static Task<(int ExitCode, string Stdout, string Stderr)> Client(int port, params string[] args)
        => Python.RunAsync("proxy_client.py", [port.ToString(), .. args]);

    [Fact]
    public async Task V1_and_v2_clients_are_served_with_the_header_address()
    {
        var server = await ServeAsync(Proxied(), Props.Create<WhoEchoHandler>());
        var (_, v1, err) = await Client(server.Port, "--v1", "203.0.113.7", "51234", "--line", "who", "--line", "after the header");
        Output.WriteLine(v1 + err);
        Assert.Equal("client=203.0.113.7:51234 cert=none\nafter the header\n", v1);

        var (_, v2, _) = await Client(server.Port, "--v2", "2001:db8::1", "4000", "--tlv", "--line", "who");
        Assert.Equal("client=[2001:db8::1]:4000 cert=none\n", v2);

        var (_, split, _) = await Client(server.Port, "--v2", "198.51.100.9", "7", "--split", "--line", "who");
        Assert.Equal("client=198.51.100.9:7 cert=none\n", split); // a header that arrives a byte at a time

        var (_, local, _) = await Client(server.Port, "--v2-local", "--line", "who");
        Assert.StartsWith("client=127.0.0.1:", local); // LOCAL: the connection's own address
    }

    [Fact]
    public async Task The_deny_list_and_verify_request_judge_the_header_address()
    {
        var hooks = new RecordingHooks { Verify = client => !((IPEndPoint)client).Address.Equals(IPAddress.Parse("198.51.100.66")) };
        var options = Proxied() with { Deny = [IPNetwork.Parse("203.0.113.0/24")] };
        var server = await ServeAsync(options, Props.Create<WhoEchoHandler>(), hooks);

        var (_, denied, _) = await Client(server.Port, "--v1", "203.0.113.7", "1000", "--line", "who");
        Assert.Equal("CLOSED\n", denied);
        var (_, refused, _) = await Client(server.Port, "--v2", "198.51.100.66", "1000", "--line", "who");
        Assert.Equal("CLOSED\n", refused);
        var (_, served, _) = await Client(server.Port, "--v1", "198.51.100.1", "1000", "--line", "who");
        Assert.Equal("client=198.51.100.1:1000 cert=none\n", served); // the TCP peer is 127.0.0.1 for all three
        var stats = await server.StatsWhenAsync(s => s.Refused == 2, "two refused by their header address");
        Assert.Equal(1, stats.Accepted);
    }

    [Fact]
    public async Task A_handler_failure_is_logged_with_the_header_address()
    {
        var server = await ServeAsync(Proxied(), Props.Create<WhoEchoHandler>());
        await EventFilter.Warning(contains: "203.0.113.99:4242").ExpectOneAsync(Deadline, async () =>
        {
            var (_, answer, _) = await Client(server.Port, "--v1", "203.0.113.99", "4242", "--line", "boom");
            Assert.Equal("CLOSED\n", answer);
        });
    }

    [Fact]
    public async Task A_bad_or_late_header_closes_only_that_connection_and_does_not_hold_up_accepting()
    {
        // In-process clients here, so the timing does not ride on starting Python processes on a
        // loaded machine; the Python clients write the headers in the other tests.
        var options = Proxied() with { ProxyProtocolTimeout = TimeSpan.FromSeconds(5) };
        var server = await ServeAsync(options, Props.Create<WhoEchoHandler>());
        using var metrics = new MetricsCollector(server.Name);

        using var slow = await TestClient.ConnectAsync(server.Port); // starts a header and stalls
        await slow.SendAsync("PROXY TCP4 203.0.");
        await EventFilter.Info(contains: "malformed PROXY header").ExpectOneAsync(Deadline, async () =>
        {
            using var garbage = await TestClient.ConnectAsync(server.Port);
            await garbage.SendAsync("PROXY TCP4 nonsense\r\nwho\n");
            Assert.True(await garbage.IsClosedByServerAsync(Deadline), "a malformed header is closed");
        });
        using (var missing = await TestClient.ConnectAsync(server.Port)) // no header where one is required
        {
            await missing.SendAsync("who\n");
            Assert.True(await missing.IsClosedByServerAsync(Deadline), "a missing header is closed");
        }
        using (var good = await TestClient.ConnectAsync(server.Port))
        {
            await good.SendAsync("PROXY TCP4 192.0.2.5 10.0.0.1 55 80\r\nwho\n");
            Assert.Equal("client=192.0.2.5:55 cert=none\n", await good.ReadLineAsync(Deadline)); // served while the slow header is pending
        }
        Assert.False(slow.Socket.Poll(0, SelectMode.SelectRead), "the slow client is still waiting for its timeout");

        var (said, _) = await slow.ReadUntilClosedAsync(Deadline);
        Assert.Empty(said);
        var stats = await server.StatsWhenAsync(s => s.ProxyHeaderFailures == 3, "garbage, missing and late headers counted");
        Assert.Equal(3, metrics.Sum(ActorSockets.Metrics.ActorSocketsMetrics.RejectedConnections));
        Assert.Equal(1, stats.Accepted);
        Assert.Equal(0, stats.HandlerFailures);
    }

    [Fact]
    public async Task In_sync_mode_the_next_proxied_client_waits_for_the_first_and_is_served_with_its_own_address()
    {
        var server = await ServeAsync(Proxied() with { Mode = ServerMode.Sync }, Props.Create<WhoEchoHandler>());
        using var first = await TestClient.ConnectAsync(server.Port);
        await first.SendAsync("PROXY TCP4 203.0.113.1 10.0.0.1 1111 80\r\nwho\n");
        Assert.Equal("client=203.0.113.1:1111 cert=none\n", await first.ReadLineAsync());

        using var second = await TestClient.ConnectAsync(server.Port);
        await second.SendAsync("PROXY TCP4 203.0.113.2 10.0.0.1 2222 80\r\nwho\n");
        var answer = second.ReadLineAsync(Deadline);
        // Sync mode: one client at a time. Holding the second back shows nothing, so this is a
        // window; a server serving both would answer within milliseconds.
        Assert.NotSame(answer, await Task.WhenAny(answer, Task.Delay(300)));
        first.HalfClose();
        Assert.True(await first.IsClosedByServerAsync());
        Assert.Equal("client=203.0.113.2:2222 cert=none\n", await answer);
    }

    [Fact]
    public async Task Optional_serves_clients_with_and_without_a_header()
    {
        var server = await ServeAsync(Proxied(ProxyProtocolMode.Optional), Props.Create<WhoEchoHandler>());
        var (_, with, _) = await Client(server.Port, "--v1", "203.0.113.7", "9", "--line", "who");
        Assert.Equal("client=203.0.113.7:9 cert=none\n", with);
        var (_, without, _) = await Client(server.Port, "--none", "--line", "who", "--line", "PROX");
        Assert.StartsWith("client=127.0.0.1:", without);
        Assert.EndsWith("\nPROX\n", without); // bytes that only look like a header's start are the client's
    }

    [Fact]
    public void Udp_and_unix_servers_refuse_the_proxy_protocol()
    {
        Config Conf(string body) => ConfigurationFactory.ParseString($"actorsockets.servers.s {{ {body} }}");
        var udp = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(Conf("kind = datagram, proxy-protocol = on"), "s"));
        Assert.Contains("proxy-protocol", udp.Setting);
        Assert.Contains("TCP", udp.Message);
        var unix = Assert.Throws<ArgumentException>(() => (ServerOptions.UnixStream("/tmp/x.sock") with { ProxyProtocol = ProxyProtocolMode.On }).Validate());
        Assert.Contains("Unix", unix.Message);
        var bad = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(Conf("proxy-protocol = sometimes"), "s"));
        Assert.Contains("optional", bad.Message);
        var optional = ServerConfig.Read(Conf("proxy-protocol = optional, proxy-protocol-trusted = [\"10.0.0.0/8\"]"), "s");
        Assert.Equal((ProxyProtocolMode.Optional, IPNetwork.Parse("10.0.0.0/8")), (optional.ProxyProtocol, Assert.Single(optional.ProxyProtocolTrusted)));
    }

    [Fact]
    public void The_trusted_peers_must_be_named_or_explicitly_any()
    {
        Config Conf(string body) => ConfigurationFactory.ParseString($"actorsockets.servers.s {{ {body} }}");
        var none = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(Conf("proxy-protocol = on"), "s"));
        Assert.Equal("actorsockets.servers.s.proxy-protocol-trusted", none.Setting);
        Assert.Contains("[\"*\"]", none.Message);
        Assert.Equal(ServerOptions.AnyPeer, ServerConfig.Read(Conf("proxy-protocol = on, proxy-protocol-trusted = [\"*\"]"), "s").ProxyProtocolTrusted);
        var typo = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(Conf("proxy-protocol = on, proxy-protocol-trusted = [\"10.0.0.1/8\"]"), "s"));
        Assert.Contains("not a CIDR network", typo.Message);
        Assert.Empty(ServerConfig.Read(Conf(""), "s").ProxyProtocolTrusted); // off: nothing to trust
    }

    [Fact]
    public async Task A_spoofed_header_from_an_untrusted_peer_is_refused_and_a_trusted_peers_is_honoured()
    {
        var server = await ServeAsync(Proxied(), Props.Create<WhoEchoHandler>());
        using (var spoofer = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2"))
        {
            await spoofer.SendAsync("PROXY TCP4 10.1.2.3 10.0.0.1 1111 80\r\nwho\n");
            var (said, _) = await spoofer.ReadUntilClosedAsync(Deadline);
            Assert.Empty(said);
        }
        using (var balancer = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.1"))
        {
            await balancer.SendAsync("PROXY TCP4 10.1.2.3 10.0.0.1 1111 80\r\nwho\n");
            Assert.Equal("client=10.1.2.3:1111 cert=none\n", await balancer.ReadLineAsync(Deadline));
        }
        var stats = await server.StatsWhenAsync(s => s.ProxyHeaderFailures == 1 && s.Accepted == 1, "the spoofer closed, the balancer served");
        Assert.Equal(0, stats.Refused);
    }

    [Fact]
    public async Task Optional_serves_an_untrusted_peer_at_its_own_address_and_closes_it_when_it_sends_a_header()
    {
        var server = await ServeAsync(Proxied(ProxyProtocolMode.Optional), Props.Create<WhoEchoHandler>());
        using (var direct = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2"))
        {
            await direct.SendAsync("who\n");
            Assert.StartsWith("client=127.0.0.2:", await direct.ReadLineAsync(Deadline));
        }
        using (var spoofer = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2"))
        {
            await spoofer.SendAsync("PROXY TCP4 10.1.2.3 10.0.0.1 1111 80\r\nwho\n");
            var (said, reset) = await spoofer.ReadUntilClosedAsync(Deadline);
            Assert.Empty(said); // neither honoured nor handed to the handler as data
            Assert.False(reset, "closed with FIN");
        }
        using (var balancer = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.1"))
        {
            await balancer.SendAsync("PROXY TCP4 10.1.2.3 10.0.0.1 1111 80\r\nwho\n");
            Assert.Equal("client=10.1.2.3:1111 cert=none\n", await balancer.ReadLineAsync(Deadline));
        }
        await server.StatsWhenAsync(s => s.ProxyHeaderFailures == 1 && s.Accepted == 2, "the spoofer closed, the others served");
    }

    [Fact]
    public async Task Allow_and_deny_judge_the_peer_first_then_the_header_address()
    {
        // The finding: deny 127.0.0.0/8 was passed by any local client that sent a header.
        var denyLocal = Proxied() with { ProxyProtocolTrusted = ServerOptions.AnyPeer, Deny = [IPNetwork.Parse("127.0.0.0/8")] };
        var denying = await ServeAsync(denyLocal, Props.Create<WhoEchoHandler>());
        var (_, spoofed, _) = await Client(denying.Port, "--v1", "10.1.2.3", "1000", "--line", "who");
        Assert.Equal("CLOSED\n", spoofed);
        await denying.StatsWhenAsync(s => s.Refused == 1, "refused by its peer before its header was read");

        var allowSome = Proxied() with
        {
            ProxyProtocolTrusted = ServerOptions.AnyPeer,
            Allow = [IPNetwork.Parse("127.0.0.1/32"), IPNetwork.Parse("203.0.113.0/24")],
            Deny = [IPNetwork.Parse("203.0.113.66/32")],
        };
        var server = await ServeAsync(allowSome, Props.Create<WhoEchoHandler>());
        async Task<string> Send(string from, string client)
        {
            using var connection = await TestClient.ConnectAsync(server.Port, fromAddress: from);
            await connection.SendAsync($"PROXY TCP4 {client} 10.0.0.1 1000 80\r\nwho\n");
            connection.HalfClose(); // a served client's handler ends at end of stream
            var (said, _) = await connection.ReadUntilClosedAsync(Deadline);
            return Encoding.ASCII.GetString(said);
        }
        Assert.Equal("", await Send("127.0.0.2", "203.0.113.7"));   // peer not in the allow list
        Assert.Equal("", await Send("127.0.0.1", "198.51.100.1"));  // header address not in the allow list
        Assert.Equal("", await Send("127.0.0.1", "203.0.113.66"));  // header address in the deny list
        Assert.Equal("client=203.0.113.7:1000 cert=none\n", await Send("127.0.0.1", "203.0.113.7"));
        var stats = await server.StatsWhenAsync(s => s.Refused == 3, "three refused, by peer or by header address");
        Assert.Equal((1, 0), (stats.Accepted, stats.ProxyHeaderFailures));
    }

    [Fact]
    public async Task A_bad_header_is_closed_with_fin_not_reset()
    {
        var server = await ServeAsync(Proxied(), Props.Create<WhoEchoHandler>());
        using var garbage = await TestClient.ConnectAsync(server.Port);
        await garbage.SendAsync("PROXY TCP4 nonsense\r\nwho\n");
        var (said, reset) = await garbage.ReadUntilClosedAsync(Deadline);
        Assert.Empty(said);
        Assert.False(reset, "the bytes the server did not read are taken before the close, so no reset follows");
    }

    [Fact]
    public async Task Tls_behind_the_proxy_protocol_sees_the_header_address()
    {
        using var certs = new TestCertificates();
        var options = Proxied() with { Tls = new ActorSockets.Tls.TlsOptions { Certificate = certs.ServerCert, Key = certs.ServerKey } };
        var server = await ServeAsync(options, Props.Create<WhoEchoHandler>());
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        await tcp.GetStream().WriteAsync("PROXY TCP4 203.0.113.8 10.0.0.1 600 443\r\n"u8.ToArray());
        await using var ssl = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost").WaitAsync(Deadline);
        await ssl.WriteAsync("who\n"u8.ToArray());
        using var reader = new StreamReader(ssl);
        Assert.Equal("client=203.0.113.8:600 cert=none", await reader.ReadLineAsync().WaitAsync(Deadline));
    }
}
