using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Connections;

/// <summary>
/// The one read waiting on a connection (or on its stand-in in a worker): who asked, and for
/// what. The protocol is one read at a time; a second one while a read waits is refused.
/// Used from its actor's thread only.
/// </summary>
internal sealed class PendingRead
{
    private IActorRef _reader = ActorRefs.Nobody;

    /// <summary>The waiting read request (<see cref="ReadLine"/>, <see cref="ReadAvailable"/>,
    /// <see cref="ReadExactly"/>), or null.</summary>
    public object? Request { get; private set; }

    /// <summary>Starts waiting for <paramref name="request"/> from <paramref name="reader"/>; when a
    /// read already waits, refuses this one (the reader is told) and returns false.</summary>
    public bool TryStart(object request, IActorRef reader, IActorRef self)
    {
        if (Request is not null)
        {
            reader.Tell(IoRefusals.ReadPending, self);
            return false;
        }
        Request = request;
        _reader = reader;
        return true;
    }

    /// <summary>Answers the waiting reader, if any, and stops waiting.</summary>
    public void Answer(object answer, IActorRef self)
    {
        if (Request is null) return;
        var reader = _reader;
        Request = null;
        _reader = ActorRefs.Nobody;
        reader.Tell(answer, self);
    }
}
