using System.Diagnostics;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// A socket the listener handed to one of its own worker processes in its own run, when a linked
/// worker could take it at once (the usual case): no actor stands in for it here. The worker's
/// end report arrives on the link's thread and is recorded there (<see cref="HandedOffAccounting"/>:
/// a handler's failure reaches the server's <c>HandleError</c> on that thread, as a connection
/// actor's reaches it on the connection's); the listener then counts the request out. The
/// listener's drain is passed to the worker, and its drain deadline closes the connection there.
/// A worker that dies fails the request, as it fails a <see cref="HandOffActor"/>'s.
/// </summary>
internal sealed class HandedOffRef : StandInRef
{
    private readonly RequestInfo _info;
    private readonly ServerContext _settings;
    private readonly WorkerLink _link;
    private readonly ILoggingAdapter _log;
    private RequestScope _scope; // driven by whoever wins the end (TryEnd), after the hand-off began it
    private long _id;

    private HandedOffRef(IActorContext listener, string name, RequestInfo info, ServerContext settings, WorkerLink link, ILoggingAdapter log)
        : base(listener.Self, listener.Self.Path / name, ((ExtendedActorSystem)listener.System).Provider)
    {
        _info = info;
        _settings = settings;
        _link = link;
        _log = log;
        _scope.StartClock(); // its end may arrive on the link's thread before the listener's run counts it open
    }

    /// <summary>Hands <paramref name="client"/> to the least busy linked worker, if one can take it
    /// now; null when none can, or when the hand-off failed (the worker is dying: the socket is
    /// still the caller's, for the pool to place).</summary>
    public static HandedOffRef? TryHandOff(LocalPlacement placement, IActorContext listener, string name, Socket client,
        RequestInfo info, ServerContext settings, ILoggingAdapter log)
    {
        if (placement.TryPick() is not { } link) return null;
        var request = new HandedOffRef(listener, name, info, settings, link, log);
        try
        {
            // Its end is told to the listener, which handles it after this run: after counting it in.
            request._id = link.HandOff(request, client, info);
        }
        catch (IOException)
        {
            return null;
        }
        request._scope.Begin(settings.Metrics);
        client.Dispose(); // the worker has its own descriptor now
        HandedOffAccounting.HandedOff(settings, info, link, log);
        return request;
    }

    protected override void TellInternal(object message, IActorRef sender)
    {
        switch (message)
        {
            case HandedOffEnded ended when TryEnd(): // on the link's thread
                HandedOffAccounting.Ended(_settings, _info, ended.Report, _link.ProcessId, _log, this, ref _scope);
                Finish(null);
                break;
            case WorkerLost lost when TryEnd(): // on the link's thread
                HandedOffAccounting.Lost(_settings, _info, new WorkerLostException(lost.Reason), _log, this, ref _scope);
                Finish(null);
                break;
            case Drain: // from the listener: the connection finishes what it has read, then ends
                _link.Drain(_id);
                break;
        }
    }

    protected override void Cut()
    {
        _link.Close(_id);
        Finish(ServerMetrics.ErrorAborted);
    }

    /// <summary>Ends the request's scope (<paramref name="unfinished"/>: its error.type when it did
    /// not fail otherwise) and tells the listener.</summary>
    private void Finish(string? unfinished)
    {
        _scope.End(_settings, unfinished);
        TellEnded();
    }
}
