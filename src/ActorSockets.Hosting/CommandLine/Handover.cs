using System.Diagnostics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.CommandLine;

/// <summary>
/// The command line's part in a zero-downtime upgrade, once its server accepts: tell the
/// predecessor it may stop (<c>--take-over</c>), then wait for a successor of its own
/// (<c>--control-socket</c>). Retiring is Envoy's drain: stop accepting (the successor accepts
/// on the same socket), serve the open connections until each closes or <c>drain-timeout</c>
/// passes, then stop as on SIGTERM, which exits 0.
/// </summary>
internal sealed class Handover(Predecessor? predecessor, CancellationTokenSource stop)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Called once <paramref name="server"/> accepts. Returns the control socket, if one was asked for.</summary>
    /// <exception cref="IOException">The control socket cannot be opened.</exception>
    public ControlSocket? Start(ActorSystem system, SocketServer server, string? controlPath, string name)
    {
        if (predecessor is not null)
        {
            predecessor.TellReady(); // returns once the predecessor freed its control socket's path
            predecessor.Dispose();
            system.Log.Info("Took over the listening socket; the previous process stopped accepting");
        }
        return controlPath is null ? null
            : ControlSocket.Open(controlPath, server, name, pid => RetireAsync(system, server, pid), line => system.Log.Warning("{0}", line));
    }

    private async Task RetireAsync(ActorSystem system, SocketServer server, int successor)
    {
        var drain = Stopwatch.StartNew();
        var stats = await server.SuspendAcceptingAsync();
        system.Log.Info("Process {Successor} took over: stopped accepting; serving the {Connections} open connections until they close, for up to {DrainTimeout}",
            successor, stats.ActiveConnections, server.Options.DrainTimeout);
        while (stats.ActiveConnections > 0 && drain.Elapsed < server.Options.DrainTimeout)
        {
            await Task.Delay(Poll);
            stats = await server.GetStatsAsync();
        }
        system.Log.Info("Handed over to process {Successor}: drained in {Seconds} s, {Connections} connections still open", successor,
            Math.Round(drain.Elapsed.TotalSeconds, 2), stats.ActiveConnections);
        await stop.CancelAsync(); // the usual stop: what is still open gets the drain of a SIGTERM
    }
}
