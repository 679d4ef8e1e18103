using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorSockets.Tests.Support;

/// <summary>A real generic host running one actor system (Akka.Hosting.TestKit is xunit v3, so
/// tests start the host themselves). It does not hook the process's signals.</summary>
public static class TestHost
{
    public static IHost Build(Action<AkkaConfigurationBuilder> akka, LogCollector? logs = null) => Build(_ => { }, akka, logs);

    /// <summary>As the other overload, with services of the test's own registered first.</summary>
    public static IHost Build(Action<IServiceCollection> services, Action<AkkaConfigurationBuilder> akka, LogCollector? logs = null)
        => BuildPlain(builder =>
        {
            services(builder.Services);
            builder.Services.AddAkka($"test-{Guid.NewGuid():N}", akka);
        }, logs);

    /// <summary>A host with only what <paramref name="configure"/> adds (no actor system of the test's making).</summary>
    public static IHost BuildPlain(Action<HostApplicationBuilder> configure, LogCollector? logs = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (logs is not null) builder.Logging.AddProvider(logs);
        configure(builder);
        return builder.Build();
    }

    /// <summary>Stops the host (if it started) and disposes it, with a deadline.</summary>
    public static async Task StopQuietly(this IHost host)
    {
        try
        {
            await host.StopAsync().Within(TimeSpan.FromSeconds(60), "host stop");
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>Whether nothing accepts connections on 127.0.0.1:<paramref name="port"/> any more.</summary>
    public static async Task<bool> RefusesConnections(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Within(TimeSpan.FromSeconds(5), "connect");
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return false; // it reached the backlog just as the listening socket closed: not refused yet
        }
    }

    /// <summary>A port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Collects every Microsoft.Extensions.Logging entry written through it.</summary>
public sealed class LogCollector : ILoggerProvider
{
    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Error,
        EventId EventId = default, IReadOnlyDictionary<string, object?>? Properties = null);

    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
            => owner._entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception, eventId,
                state is IEnumerable<KeyValuePair<string, object?>> properties
                    ? properties.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value) : null));
    }
}
