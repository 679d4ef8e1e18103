using System.Net;
using System.Net.Sockets;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Handlers;

public sealed class EndPointTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_tcp_handler_sees_the_sockets_endpoints_as_IPEndPoints()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<EndPointHandler>());
        using var client = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2");
        await client.SendAsync("?\n");
        Assert.Equal($"IPEndPoint {client.Socket.LocalEndPoint} IPEndPoint 127.0.0.1:{server.Port}\n", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_unix_handler_sees_UnixDomainSocketEndPoints()
    {
        var path = NewUnixPath();
        var clientPath = NewUnixPath();
        await ServeAsync(ServerOptions.UnixStream(path), Props.Create<EndPointHandler>());
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(clientPath)); // a named client
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await socket.SendAsync("?\n"u8.ToArray());
        var reply = new byte[1024];
        int n = await socket.ReceiveAsync(reply, SocketFlags.None).Within(Deadline, "reply");
        Assert.Equal($"UnixDomainSocketEndPoint {clientPath} UnixDomainSocketEndPoint {path}\n", System.Text.Encoding.UTF8.GetString(reply, 0, n));
    }

    [Fact]
    public async Task Behind_a_PROXY_header_the_endpoints_are_the_headers()
    {
        var server = await ServeAsync(ServerOptions.Tcp() with { ProxyProtocol = ProxyProtocolMode.On, ProxyProtocolTrusted = ServerOptions.AnyPeer }, Props.Create<EndPointHandler>());
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\n?\n");
        Assert.Equal("IPEndPoint 203.0.113.7:51234 IPEndPoint 10.0.0.1:8080\n", await client.ReadLineAsync());
    }

    /// <summary>Answers a line with its endpoints: "remote-type remote local-type local".</summary>
    public sealed class EndPointHandler : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            await ReadLineAsync();
            await WriteAsync($"{RemoteEndPoint?.GetType().Name} {RemoteEndPoint} {LocalEndPoint?.GetType().Name} {LocalEndPoint}\n");
        }
    }
}
