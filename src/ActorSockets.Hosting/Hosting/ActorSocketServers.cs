using System.Diagnostics.CodeAnalysis;
using ActorSockets.Servers;
using Akka.Actor;

namespace ActorSockets.Hosting;

/// <summary>
/// The servers an actor system runs, by name: what <c>WithActorSocketServer</c> started. Read
/// a server's bound address (port 0 resolved) or its listener here once the host has started.
/// </summary>
/// <example><code>
/// await host.StartAsync();
/// var echo = ActorSocketServers.For(host.Services.GetRequiredService&lt;ActorSystem&gt;())["echo"];
/// Console.WriteLine($"LISTENING {echo.Port}");
/// </code></example>
public sealed class ActorSocketServers : IExtension
{
    private readonly Lock _lock = new();
    private readonly List<(string Name, SocketServer Server)> _servers = [];

    /// <summary>The registry of <paramref name="system"/>.</summary>
    public static ActorSocketServers For(ActorSystem system) => system.WithExtension<ActorSocketServers, Provider>();

    /// <summary>The server named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No server of that name has started.</exception>
    public SocketServer this[string name] => TryGet(name, out var server) ? server
        : throw new KeyNotFoundException($"No ActorSockets server named '{name}' has started in this actor system.");

    /// <summary>The server named <paramref name="name"/>, if it has started.</summary>
    public bool TryGet(string name, [MaybeNullWhen(false)] out SocketServer server)
    {
        lock (_lock) server = _servers.FirstOrDefault(s => s.Name == name).Server;
        return server is not null;
    }

    /// <summary>Every started server with its name, in the order they started.</summary>
    public IReadOnlyList<(string Name, SocketServer Server)> All
    {
        get { lock (_lock) return [.. _servers]; }
    }

    internal void Add(string name, SocketServer server)
    {
        lock (_lock) _servers.Add((name, server));
    }

    private sealed class Provider : ExtensionIdProvider<ActorSocketServers>
    {
        public override ActorSocketServers CreateExtension(ExtendedActorSystem system) => new();
    }
}
