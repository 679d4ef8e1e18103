using System.Net;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Event;

namespace ActorSockets.Tests.Support;

/// <summary>Hooks that remember every call.</summary>
public sealed class RecordingHooks : ServerHooks
{
    public List<(RequestInfo Request, Exception Error)> Errors { get; } = [];
    public int Timeouts;
    public int Ticks;
    public Func<EndPoint, bool> Verify { get; init; } = _ => true;

    public override bool VerifyRequest(EndPoint client) => Verify(client);

    public override void HandleError(RequestInfo request, Exception error, ILoggingAdapter log)
    {
        lock (Errors) Errors.Add((request, error));
        base.HandleError(request, error, log);
    }

    public override void HandleTimeout() => Interlocked.Increment(ref Timeouts);

    public override void ServiceActions() => Interlocked.Increment(ref Ticks);
}
