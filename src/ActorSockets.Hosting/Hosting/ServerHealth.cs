using ActorSockets.Servers;
using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorSockets.Hosting;

/// <summary>
/// The health of one hosted server, for <c>Microsoft.Extensions.Diagnostics.HealthChecks</c>:
/// Healthy while it listens with its circuit breaker closed; Degraded while it drains, while its
/// breaker is half-open, or while its accepting is suspended; Unhealthy while its breaker is open
/// and when it does not listen (not started yet, bound but not serving, stopped).
/// <c>WithActorSocketServer</c> registers one check per server, named
/// <c>actorsockets-&lt;name&gt;</c> and tagged <c>actorsockets</c>.
/// </summary>
internal static class ServerHealth
{
    /// <summary>The tag every server's check carries, to select them (e.g. for a readiness probe).</summary>
    public const string Tag = "actorsockets";

    /// <summary>The registration name of server <paramref name="name"/>'s check.</summary>
    public static string CheckName(string name) => $"actorsockets-{name}";

    /// <summary>Asks the server for its stats (a message to its listener; nothing else is touched)
    /// and maps them with <see cref="Of"/>.</summary>
    public static async Task<HealthCheckResult> CheckAsync(ActorSystem system, string name, CancellationToken cancel)
    {
        if (!ActorSocketServers.For(system).TryGet(name, out var server))
            return HealthCheckResult.Unhealthy($"server '{name}' has not started");
        ServerStats stats;
        try
        {
            stats = await server.GetStatsAsync().WaitAsync(cancel);
        }
        catch (Exception e) when (e is ObjectDisposedException or AskTimeoutException)
        {
            return HealthCheckResult.Unhealthy($"server '{name}' has stopped");
        }
        return Of(name, stats);
    }

    /// <summary>The one place a server's state becomes a health status.</summary>
    public static HealthCheckResult Of(string name, ServerStats stats)
    {
        var data = new Dictionary<string, object>
        {
            ["state"] = stats.State.ToString(),
            ["active_connections"] = stats.ActiveConnections,
            ["suspended"] = stats.Suspended,
            ["circuit"] = stats.CircuitState.ToString(),
        };
        // The circuit comes before the listening states: an open breaker refuses every new
        // connection, so a load balancer should send them elsewhere; a half-open one is probing.
        return (stats.State, stats.CircuitState) switch
        {
            (ServerState.Serving, CircuitState.Open) =>
                HealthCheckResult.Unhealthy($"server '{name}' listens but its circuit breaker is open: new connections are refused", data: data),
            (ServerState.Serving, CircuitState.HalfOpen) =>
                HealthCheckResult.Degraded($"server '{name}' listens; its circuit breaker is half-open, probing with one connection", data: data),
            (ServerState.Serving, _) when stats.Suspended =>
                HealthCheckResult.Degraded($"server '{name}' listens but its accepting is suspended", data: data),
            (ServerState.Serving, _) =>
                HealthCheckResult.Healthy($"server '{name}' listens ({stats.ActiveConnections} connections)", data),
            (ServerState.Draining, _) =>
                HealthCheckResult.Degraded($"server '{name}' drains: new connections refused, {stats.ActiveConnections} in flight", data: data),
            _ => HealthCheckResult.Unhealthy($"server '{name}' does not listen ({stats.State})", data: data),
        };
    }
}
