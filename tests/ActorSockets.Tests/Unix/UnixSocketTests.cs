using System.Net.Sockets;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Unix;

/// <summary>Unix stream and Unix datagram servers: the socket file's life, and replies by path.</summary>
public class UnixSocketTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static (ServerOptions, Props) Server(string kind, string path) => kind == "stream"
        ? (ServerOptions.UnixStream(path), Props.Create<LineEchoHandler>())
        : (ServerOptions.UnixDatagram(path), Props.Create<EchoOrBoomDatagramHandler>());

    /// <summary>One echo round trip with whichever client fits the kind.</summary>
    private static async Task<string> EchoAsync(string kind, string path, string text)
    {
        if (kind != "stream")
        {
            using var datagram = DatagramClient.Unix(path);
            return await datagram.RoundTripAsync(text);
        }
        using var client = await TestClient.ConnectUnixAsync(path);
        await client.SendAsync(text + "\n");
        return (await client.ReadLineAsync()).TrimEnd('\n');
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("datagram")]
    public async Task A_second_server_on_a_live_path_fails_clearly_and_the_first_keeps_serving(string kind)
    {
        var path = NewUnixPath();
        var (options, handler) = Server(kind, path);
        await ServeAsync(options, handler);

        var error = await Assert.ThrowsAsync<IOException>(() => SocketServer.StartAsync(options, handler, system: Sys));
        Assert.Contains(path, error.Message);
        Assert.Contains("in use", error.Message);
        Assert.True(File.Exists(path), "the live server's socket file is left alone");
        Assert.Equal("still mine", await EchoAsync(kind, path, "still mine"));
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("datagram")]
    public async Task A_stale_socket_file_from_a_crashed_run_is_replaced(string kind)
    {
        var path = NewUnixPath();
        await UnixPaths.MakeStaleAsync(path, datagram: kind != "stream");
        var (options, handler) = Server(kind, path);

        await ServeAsync(options, handler);
        Assert.Equal("fresh", await EchoAsync(kind, path, "fresh"));
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("datagram")]
    public async Task The_socket_file_is_removed_on_close(string kind)
    {
        var path = NewUnixPath();
        var (options, handler) = Server(kind, path);
        var server = await SocketServer.StartAsync(options, handler, system: Sys).Within(Deadline, "server start");
        _ = server.ServeForeverAsync();
        Assert.Equal("hi", await EchoAsync(kind, path, "hi"));

        await server.DisposeAsync().AsTask().Within(Deadline, "server close");
        Assert.False(File.Exists(path), "socket file removed by close");
    }

    [Fact]
    public async Task The_socket_file_is_removed_when_the_listener_is_stopped_without_close()
    {
        var path = NewUnixPath();
        var server = await ServeAsync(ServerOptions.UnixDatagram(path), Props.Create<EchoOrBoomDatagramHandler>());
        var stopped = server.Listener.WatchAsync();
        Sys.Stop(server.Listener);
        await stopped.Within(Deadline, "the listener to stop");
        Assert.False(File.Exists(path), "socket file removed when the listener stopped");
    }

    [Theory]
    [InlineData("stream", UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData("datagram", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task UnixSocketMode_sets_the_socket_file_permissions(string kind, UnixFileMode mode)
    {
        var path = NewUnixPath();
        var (options, handler) = Server(kind, path);
        await ServeAsync(options with { UnixSocketMode = mode }, handler);
        Assert.Equal(mode, File.GetUnixFileMode(path));
        Assert.Equal("allowed", await EchoAsync(kind, path, "allowed"));
    }

    [Fact]
    public async Task A_datagram_client_without_a_bound_path_is_served_but_cannot_be_answered()
    {
        var path = NewUnixPath();
        var server = await ServeAsync(ServerOptions.UnixDatagram(path, ServerMode.Sync), Props.Create(() => new ProbeDatagramHandler(TestActor)));

        using var unnamed = DatagramClient.Unix(path, bind: false);
        await unnamed.SendAsync("anyone there");
        ExpectMsg("got anyone there from "); // the handler ran, with an empty client address

        using var named = DatagramClient.Unix(path);
        Assert.Equal("answer me", await named.RoundTripAsync("answer me"));
        ExpectMsg($"got answer me from {named.Address}");
        Assert.Equal(0, unnamed.Socket.Available);
    }
}
