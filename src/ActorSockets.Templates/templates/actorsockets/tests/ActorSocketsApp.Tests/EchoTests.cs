using System.Net.Sockets;
using System.Text;
using ActorSockets.Configuration;
using ActorSockets.Servers;
using Akka.Actor;
using Xunit;

namespace ActorSocketsApp.Tests;

public class EchoTests
{
    [Fact]
    public async Task Echoes_each_line_over_a_real_socket()
    {
        // Port 0: the operating system picks a free port; server.Port is the real one.
        await using var server = await SocketServer.StartAsync(
            ServerOptions.Tcp("127.0.0.1", port: 0), Props.Create<EchoHandler>());
        var serving = server.Start();   // serve_forever in the background; ends when the server shuts down
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes("hello\nworld\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);

        Assert.Equal("hello", await reader.ReadLineAsync(timeout.Token));
        Assert.Equal("world", await reader.ReadLineAsync(timeout.Token));

        await server.ShutdownAsync();
        await serving.WaitAsync(timeout.Token);
    }

    [Fact]
    public void App_conf_is_valid()
    {
        // The settings the program reads with --config app.conf (copied next to the tests).
        var config = ActorSocketsConfig.LoadFile(Path.Combine(AppContext.BaseDirectory, "app.conf"));
        var options = ServerConfig.Read(config, "actorsocketsapp");
        Assert.Equal(ServerMode.Threading, options.Mode);
        options.Validate();
    }
}
