using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// An actor reference with no actor behind it: it does its work as a message is told, on the
/// teller's thread. The only place this library goes below Akka's public actor API (an
/// <see cref="MinimalActorRef"/>), because on two paths an actor per request was most of the cost:
/// <list type="bullet">
/// <item>a datagram's whole conversation is a few writes and one send (<c>DatagramReply</c>):
/// an actor per datagram was most of the cost of a request;</item>
/// <item>a socket handed to a forking-mode worker in the listener's own run (the stand-in the
/// listener keeps for it): an actor per handed-off socket cost the listener its creation, a run
/// on another thread for the hand-off, a run for the end and a stop; measured against it
/// (BENCHMARKS.md; compare.sh, one line per connection, 16 clients, 2 workers, 5 rounds): forking
/// 0.55× → 0.65× threading mode, 6.1× → 7.3× Python's ForkingTCPServer; the listener's CPU per
/// request 63 → 51 µs.</item>
/// </list>
/// Such a reference is thread-safe on its own terms: messages may be told from any thread.
/// </summary>
internal abstract class ActorlessRef(ActorPath path, IActorRefProvider provider) : MinimalActorRef
{
    public sealed override ActorPath Path { get; } = path;

    public sealed override IActorRefProvider Provider { get; } = provider;
}

/// <summary>A request has ended without an actor's death-watch: a child of an actor that does not
/// watch it has stopped (told by the parent's <see cref="ChildStopTelling"/> strategy), or an
/// <see cref="ActorlessRef"/> request ended. Handled alike with <see cref="Terminated"/>:
/// <see cref="ActorOf"/> reads either.</summary>
// A parent that stopped first (a connection closing) has no use for it: not a dead-letter warning.
internal sealed record ChildStopped(IActorRef Child) : IDeadLetterSuppression
{
    /// <summary>The actor a <see cref="Terminated"/> or <see cref="ChildStopped"/> tells the end
    /// of; null for any other message.</summary>
    public static IActorRef? ActorOf(object message) => message switch
    {
        Terminated t => t.ActorRef,
        ChildStopped s => s.Child,
        _ => null,
    };
}

/// <summary>
/// One-for-one supervision that also tells the parent <see cref="ChildStopped"/> when a child
/// stops, so that the parent need not watch its children: the strategy sees every child stop,
/// without death-watch's per-actor sets, which each connection would hold as long as it lives
/// (measured with a heap dump of 10,000 idle connections: about 0.4 KB each with both watches,
/// the listener's on its connection and the connection's on its handler).
/// </summary>
internal sealed class ChildStopTelling(Func<Exception, Directive> decider, bool loggingEnabled)
    : OneForOneStrategy(decider, loggingEnabled)
{
    /// <summary>Akka's default decisions (restart on most exceptions), logged as by default.</summary>
    public static ChildStopTelling Default() => new(DefaultDecider.Decide, loggingEnabled: true);

    public override void HandleChildTerminated(IActorContext actorContext, IActorRef child, IEnumerable<IInternalActorRef> children)
    {
        actorContext.Self.Tell(new ChildStopped(child), ActorRefs.NoSender);
        base.HandleChildTerminated(actorContext, child, children);
    }
}
