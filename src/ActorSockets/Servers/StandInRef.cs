using ActorSockets.Connections;
using Akka.Actor;

namespace ActorSockets.Servers;

/// <summary>
/// A request served outside this process with no actor of its own here: forking mode hands an
/// accepted socket to a worker process in the listener's own run, and this reference is what the
/// listener keeps for it, where it would keep a connection actor. The listener counts it among
/// its requests (max_children, stats), tells it <see cref="Drain"/> when closing and stops it at
/// the drain deadline (<c>Context.Stop</c> calls <see cref="Stop"/>); it tells the listener
/// <see cref="ChildStopped"/> once, when the request ends, as a child's stop is told. Why no
/// actor: see <see cref="ActorlessRef"/>.
/// </summary>
internal abstract class StandInRef(IActorRef listener, ActorPath path, IActorRefProvider provider) : ActorlessRef(path, provider)
{
    private int _ended;

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
    protected void TellEnded() => listener.Tell(new ChildStopped(this));
}
