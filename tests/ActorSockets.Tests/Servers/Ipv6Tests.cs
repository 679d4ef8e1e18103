using System.Net;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Servers;

/// <summary>IPv6 over real sockets on ::1: a stream server, a DualMode server on :: serving an IPv4
/// client, and the allow/deny lists matching an IPv4 client by its IPv4 address when it arrives
/// as an IPv4-mapped IPv6 address.</summary>
public class Ipv6Tests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_stream_server_on_the_IPv6_loopback_serves_an_IPv6_client()
    {
        var server = await ServeAsync(ServerOptions.Tcp("::1"), Props.Create<WhoEchoHandler>());
        Assert.Equal(IPAddress.IPv6Loopback, ((IPEndPoint)server.ServerAddress!).Address);
        using var client = await TestClient.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, server.Port));
        await client.SendAsync("who\n");
        Assert.Equal($"client={client.Socket.LocalEndPoint} cert=none\n", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_dual_mode_server_on_any_IPv6_address_serves_IPv4_and_IPv6_clients()
    {
        var server = await ServeAsync(ServerOptions.Tcp("::") with { DualMode = true }, Props.Create<WhoEchoHandler>());
        using var v4 = await TestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        await v4.SendAsync("hello over IPv4\n");
        Assert.Equal("hello over IPv4\n", await v4.ReadLineAsync());
        using var v6 = await TestClient.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, server.Port));
        await v6.SendAsync("hello over IPv6\n");
        Assert.Equal("hello over IPv6\n", await v6.ReadLineAsync());
    }

    [Fact]
    public async Task Allow_and_deny_match_an_IPv4_client_of_a_dual_mode_server_by_its_IPv4_address()
    {
        var options = ServerOptions.Tcp("::") with
        {
            DualMode = true,
            Allow = [IPNetwork.Parse("127.0.0.0/8")],
            Deny = [IPNetwork.Parse("127.0.0.2/32")],
        };
        var server = await ServeAsync(options, Props.Create<WhoEchoHandler>());
        using (var denied = await TestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), fromAddress: "127.0.0.2"))
            Assert.True(await denied.IsClosedByServerAsync(), "127.0.0.2, seen as ::ffff:127.0.0.2, is in the deny list");
        using (var outsider = await TestClient.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, server.Port)))
            Assert.True(await outsider.IsClosedByServerAsync(), "::1 is not in the IPv4 allow list");
        using var allowed = await TestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), fromAddress: "127.0.0.1");
        await allowed.SendAsync("who\n");
        Assert.Matches(@"^client=\[::ffff:127\.0\.0\.1\]:\d+ cert=none\n$", await allowed.ReadLineAsync());
        var stats = await server.StatsWhenAsync(s => s.Refused == 2, "both refusals counted");
        Assert.Equal(1, stats.Accepted);
    }
}
