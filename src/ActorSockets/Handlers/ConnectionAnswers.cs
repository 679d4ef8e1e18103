using System.Threading.Tasks.Sources;
using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// A handler's reads and flushes: each is a message to its connection, and the answer comes back
/// to the handler's own mailbox like any other message, so the handler stays reachable while it
/// waits (its mailbox is never suspended). The awaiting code resumes inline, in the run that
/// received the answer: no task, no continuation message, nothing allocated per read. One read
/// waits at a time (the connection's protocol); flushes may overlap (one from the handler's loop,
/// one from a message's write) and are answered in order. Used from its actor's thread only.
/// </summary>
internal sealed class ConnectionAnswers
{
    private readonly AnswerSlot _read = new();
    private AnswerSlot? _flush; // made at the first flush: most idle connections have not flushed
    private Queue<TaskCompletionSource<object>>? _laterFlushes; // behind _flush, oldest first

    /// <summary>Sends <paramref name="request"/> to <paramref name="connection"/> as <paramref name="self"/>;
    /// the answer (<see cref="TryComplete"/>) completes the returned task.</summary>
    public ValueTask<object> Ask(IActorRef connection, object request, IActorRef self)
    {
        if (request is not Flush)
        {
            if (_read.Waiting) return new ValueTask<object>(IoRefusals.ReadPending); // its answer would be taken for the first's
            connection.Tell(request, self);
            return _read.Start();
        }
        connection.Tell(request, self);
        _flush ??= new AnswerSlot();
        if (!_flush.Waiting && _laterFlushes is not { Count: > 0 }) return _flush.Start();
        var later = new TaskCompletionSource<object>(); // rare: a flush while another waits
        (_laterFlushes ??= new()).Enqueue(later);
        return new ValueTask<object>(later.Task);
    }

    /// <summary>Takes <paramref name="message"/> if it is a connection's answer (returns false for
    /// anything else). An answer nobody waits for (the awaiting code was abandoned) is dropped.</summary>
    public bool TryComplete(object message)
    {
        switch (message)
        {
            case ReadResult or FrameResult or LentRead: // the answers to the reads (bytes, a frame, a lent buffer)
                _read.Complete(message);
                return true;
            case Flushed:
                CompleteFlush(message);
                return true;
            case IoFailed when _read.Waiting: // a read's failure; a flush fails only when the connection is lost, after the read
                _read.Complete(message);
                return true;
            case IoFailed:
                CompleteFlush(message);
                return true;
            default:
                return false;
        }
    }

    private void CompleteFlush(object answer)
    {
        if (_flush is { Waiting: true }) _flush.Complete(answer);
        else if (_laterFlushes?.TryDequeue(out var later) == true) later.SetResult(answer);
    }

    /// <summary>One reusable awaitable answer. Its continuation runs where <see cref="Complete"/>
    /// is called: in the handler's own run, so the awaiting code stays on the actor.</summary>
    private sealed class AnswerSlot : IValueTaskSource<object>
    {
        private Action<object?>? _continuation;
        private object? _state;
        private object? _answer;
        private short _version;

        public bool Waiting { get; private set; }

        public ValueTask<object> Start()
        {
            if (_answer is not null) (_answer, _version) = (null, (short)(_version + 1)); // an answer never awaited
            Waiting = true;
            return new ValueTask<object>(this, _version);
        }

        public void Complete(object answer)
        {
            if (!Waiting) return;
            Waiting = false;
            _answer = answer;
            var (continuation, state) = (_continuation, _state);
            (_continuation, _state) = (null, null);
            continuation?.Invoke(state);
        }

        public object GetResult(short token)
        {
            if (token != _version || _answer is not { } answer) throw new InvalidOperationException("The answer was already taken.");
            _answer = null;
            _version++;
            return answer;
        }

        public ValueTaskSourceStatus GetStatus(short token)
            => token == _version && _answer is null ? ValueTaskSourceStatus.Pending : ValueTaskSourceStatus.Succeeded;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            if (_answer is not null) continuation(state); // answered between the check and the await
            else (_continuation, _state) = (continuation, state);
        }
    }
}

/// <summary>
/// The handler's synchronization context while its own code runs: whatever its async code awaits
/// that is not its connection (a delay, an Ask, a task of its own) resumes as a message to the
/// handler, so every step of that code runs on the actor, one message at a time, between the
/// other messages (as <c>RunTask</c> would, without suspending the mailbox).
/// </summary>
internal sealed class HandlerSynchronizationContext(IActorRef self) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => self.Tell(new Continuation(d, state), ActorRefs.NoSender);

    public override void Send(SendOrPostCallback d, object? state)
        => throw new NotSupportedException("A handler's code runs on its actor: post to it instead.");

    public override SynchronizationContext CreateCopy() => this;
}

/// <summary>A step of the handler's async code, posted by <see cref="HandlerSynchronizationContext"/>.
/// A stopped handler has no use for it: not a dead letter worth a warning.</summary>
internal sealed record Continuation(SendOrPostCallback Callback, object? State) : Akka.Event.IDeadLetterSuppression;
