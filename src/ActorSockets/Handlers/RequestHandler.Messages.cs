using Akka.Actor;

namespace ActorSockets.Handlers;

// A handler's own messages, registered as in a ReceiveActor: any actor may Tell a handler
// something, and it runs at once, even while the handler's HandleAsync awaits the client.
public abstract partial class RequestHandler
{
    private Behaviour _behaviour = Behaviour.Empty;
    private Stack<Behaviour>? _stacked;

    /// <summary>Handles messages of type <typeparamref name="T"/> (for those that pass
    /// <paramref name="shouldHandle"/>, when given) with <paramref name="handler"/>. Call it in the
    /// constructor, or inside <see cref="Become"/>; the first registration that matches a message
    /// handles it. The handler runs on the actor, between the awaits of the lifecycle steps (never
    /// at the same time as their code), and does not wait: to write, use
    /// <see cref="StreamRequestHandler.Write(string)"/>. A message nothing handles is
    /// <c>Unhandled</c>, as in any actor.</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Behaviour.Add(ref _behaviour, message =>
        {
            if (message is not T typed || shouldHandle?.Invoke(typed) == false) return false;
            handler(typed);
            return true;
        });
    }

    /// <summary>Handles any message that the registrations before this one did not.</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Behaviour.Add(ref _behaviour, message =>
        {
            handler(message);
            return true;
        });
    }

    /// <summary>Replaces the handler's message registrations with those <paramref name="configure"/>
    /// makes (ReceiveActor's <c>Become</c>). The lifecycle and the connection's answers are not
    /// registrations: they keep working in every state. Use this, not <c>Context.Become</c>,
    /// which would replace them too.</summary>
    protected void Become(Action configure)
    {
        _behaviour = Behaviour.Build(configure, ref _behaviour);
        _stacked?.Clear();
    }

    /// <summary>Like <see cref="Become"/>, keeping the current registrations to return to with
    /// <see cref="UnbecomeStacked"/>.</summary>
    protected void BecomeStacked(Action configure)
    {
        var previous = _behaviour;
        (_stacked ??= new()).Push(previous);
        _behaviour = Behaviour.Build(configure, ref _behaviour);
    }

    /// <summary>Returns to the registrations before the last <see cref="BecomeStacked"/>.</summary>
    protected new void UnbecomeStacked()
    {
        if (_stacked is { Count: > 0 }) _behaviour = _stacked.Pop();
    }

    /// <summary>A message that is not the lifecycle's nor the connection's: the registrations'.</summary>
    private void ReceiveOwn(object message)
    {
        foreach (var handle in _behaviour.Handlers)
            if (handle(message)) return;
        Unhandled(message);
    }

    /// <summary>One state's registrations, in order. Immutable once built, so a state can be
    /// returned to; a handler that registers nothing shares the empty one.</summary>
    private sealed class Behaviour(Func<object, bool>[] handlers)
    {
        public static readonly Behaviour Empty = new([]);

        public Func<object, bool>[] Handlers { get; } = handlers;

        public static void Add(ref Behaviour behaviour, Func<object, bool> handler)
            => behaviour = new Behaviour([.. behaviour.Handlers, handler]);

        /// <summary>Runs <paramref name="configure"/> against an empty state and returns what it
        /// registered, leaving <paramref name="current"/> as it was.</summary>
        public static Behaviour Build(Action configure, ref Behaviour current)
        {
            var kept = current;
            current = Empty;
            try
            {
                configure();
                return current;
            }
            finally
            {
                current = kept;
            }
        }
    }
}
