using ActorSockets.Connections;
using Akka.Actor;

namespace ActorSockets.Servers;

/// <summary>
/// A request served outside this process with no actor of its own here: forking mode hands an
/// accepted socket to a worker process in the listener's own run, and this reference is what the
/// listener keeps for it, where it would keep a connection actor. The listener counts it among
/// its requests (max_children, stats), tells it <see cref="Drain"/> when closing and stops it at
/// the drain deadline (<c>Context.Stop</c> calls <see cref="Stop"/>); it tells the listener
/// <see cref="RequestLifecycle.ChildStopped"/> once, when the request ends, as a child's stop is
/// told. An actor per handed-off socket cost the listener its creation, a run on another thread
/// for the hand-off, a run for the end and a stop; measured against it (BENCHMARKS.md; compare.sh,
/// one line per connection, 16 clients, 2 workers, 5 rounds): forking 0.55× → 0.65× threading
/// mode, 6.1× → 7.3× Python's ForkingTCPServer; the listener's CPU per request 63 → 51 µs.
/// </summary>
internal abstract class StandInRef(IActorRef listener, ActorPath path, IActorRefProvider provider) : MinimalActorRef
{
    private int _ended;

    public override ActorPath Path { get; } = path;

    public override IActorRefProvider Provider { get; } = provider;

    /// <summary>Called at most once, from the listener's thread: the listener ends the request
    /// before it ended by itself (the drain deadline, the listener stopping).</summary>
    protected abstract void Cut();

    public sealed override void Stop()
    {
        if (TryEnd()) Cut();
    }

    /// <summary>Marks the request ended; true for the one caller that got there first, which
    /// must then call <see cref="TellEnded"/>.</summary>
    protected bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    /// <summary>The request ended: the listener counts it out.</summary>
    protected void TellEnded() => listener.Tell(new RequestLifecycle.ChildStopped(this));
}
