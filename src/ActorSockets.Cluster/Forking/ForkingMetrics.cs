using System.Diagnostics.Metrics;
using ActorSockets.Metrics;

namespace ActorSockets.Forking;

/// <summary>Forking mode's own instrument, on the library's meter: which path served each request.</summary>
internal static class ForkingMetrics
{
    /// <summary>The tag naming the path: <c>handoff</c> (the socket went to a worker process) or <c>relay</c> (messages).</summary>
    public const string PathTag = "actorsockets.forking.path";

    /// <summary><c>actorsockets.forking.requests</c>: requests routed to workers, by path.</summary>
    public static readonly Counter<long> Requests = ActorSocketsMetrics.Meter.CreateCounter<long>(
        "actorsockets.forking.requests", "{request}", "Requests routed to worker processes, by path (handoff or relay)");
}
