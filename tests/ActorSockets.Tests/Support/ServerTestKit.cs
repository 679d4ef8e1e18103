using ActorSockets.Servers;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Support;

/// <summary>
/// A TestKit whose servers run in the test's actor system and are all closed when the test
/// ends, pass or fail.
/// </summary>
public abstract class ServerTestKit(ITestOutputHelper output) : TestKit(Config, output), IAsyncLifetime
{
    private static readonly string Config = $"""
        akka.loglevel = INFO
        akka.log-dead-letters = 0
        akka.log-dead-letters-during-shutdown = off
        {TestTime.Hocon}
        """;

    private readonly List<SocketServer> _servers = [];
    private readonly List<IDisposable> _disposables = [];
    private readonly List<string> _unixPaths = [];

    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Starts a bound server in this test's actor system and serves it in the background.</summary>
    protected async Task<SocketServer> ServeAsync(ServerOptions options, Props handler, ServerHooks? hooks = null, bool serve = true)
    {
        var server = await SocketServer.StartAsync(options, handler, hooks, Sys);
        _servers.Add(server);
        if (serve) _ = server.ServeForeverAsync();
        return server;
    }

    /// <summary>Disposes <paramref name="item"/> when the test ends.</summary>
    protected T Track<T>(T item) where T : IDisposable
    {
        _disposables.Add(item);
        return item;
    }

    /// <summary>A fresh Unix socket path, deleted (if still there) when the test ends.</summary>
    protected string NewUnixPath()
    {
        var path = UnixPaths.New();
        _unixPaths.Add(path);
        return path;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var item in _disposables) item.Dispose();
        foreach (var server in _servers)
            await server.DisposeAsync().AsTask().Within(TimeSpan.FromSeconds(60), "server close");
        foreach (var path in _unixPaths) File.Delete(path);
    }
}
