using System.Buffers;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;

namespace ActorSockets.Forking;

/// <summary>
/// The connection, as a handler in a worker process sees it: the handler's parent and its
/// <see cref="Setup.Connection"/>, standing in for the connection actor in the listener that
/// owns the socket. It makes a request cost as few crossings between the processes as the
/// protocol allows:
/// <list type="bullet">
/// <item>the bytes the client had sent when the request was routed come with it, and reads are
/// served from them here (lines, exact counts, end of stream: the same rules as the listener's);</item>
/// <item>only a read the bytes here cannot answer crosses, as one <see cref="Exchange"/> that also
/// carries every write made since the last one;</item>
/// <item>writes not followed by a read go out together once the handler's messages queued so far
/// are processed; the end of the request travels with the last writes.</item>
/// </list>
/// A failing handler is stopped and reported to the listener's proxy, as in threading mode.
/// When the connection ends first (a timeout, a limit, the drain deadline) the listener sends
/// <see cref="EndRequest"/> and this actor stops, and the handler with it.
/// </summary>
internal sealed class WorkerConnection : UntypedActor
{
    /// <summary>Send the writes gathered so far, unless the handler followed them with a read or
    /// its end meanwhile. Queued twice behind the handler's messages (<paramref name="Again"/>):
    /// the handler's next step (often the end of the request, which takes a turn of its own
    /// mailbox) then usually arrives first and carries the writes in the same crossing.</summary>
    private sealed record SendWrites(bool Again)
    {
        public static readonly SendWrites First = new(true);
        public static readonly SendWrites Last = new(false);
    }

    /// <summary>One crossing carries at most one read chunk of writes: well within a remoting frame.</summary>
    private const int BatchLimit = ConnectionContract.MaxChunk;

    private readonly StartHandler _start;
    private readonly HandlerPlacement _launcher;
    private readonly IActorRef _connection;
    private readonly InputBuffer _input;
    private readonly ArrayBufferWriter<byte> _writes = new();
    private readonly Queue<IActorRef> _flushWaiters = new();
    private IActorRef _handler = ActorRefs.Nobody;
    private readonly PendingRead _pending = new();
    private bool _fetching;
    private bool _sendQueued;
    private bool _done;

    public WorkerConnection(StartHandler start, Props handlerProps)
    {
        _start = start;
        _connection = start.Setup.Connection;
        _input = new InputBuffer(start.MaxLineLength);
        _input.Append(start.Input);
        if (start.InputEnded) _input.End();
        _launcher = new ChildHandlerPlacement(handlerProps, compactMailbox: false);
    }

    /// <summary>The handler is supervised as on every path (<see cref="RequestLifecycle"/>); its
    /// failure is reported to the listener's proxy, which fails the connection there (HandleError
    /// runs and counts in the listener).</summary>
    protected override SupervisorStrategy SupervisorStrategy() => RequestLifecycle.Supervision(Context, (_, error) =>
    {
        if (!_done) SendExchange(ExchangeThen.Nothing); // what it wrote before failing still goes out
        _done = true;
        _start.Proxy.Tell(HandlerFailed.From(error));
    });

    protected override void PreStart()
        => _handler = RequestLifecycle.Start(Context, _launcher, _start.Setup with { Connection = Self }, Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReadLine or ReadAvailable or ReadExactly or ReadFrame or ReadLent:
                StartRead(message);
                break;
            case CancelRead:
                _pending.Answer(CancelRead.Answer, Self);
                break;
            case WatchClient: // relayed: the listener's connection ends the request when the client goes
                break;
            case Write write:
                Gather(write.Data);
                break;
            case SendWrites { Again: true }:
                Self.Tell(SendWrites.Last, Self);
                break;
            case SendWrites:
                _sendQueued = false;
                if (_writes.WrittenCount > 0 && !_done) SendExchange(ExchangeThen.Nothing);
                break;
            case Flush:
                _flushWaiters.Enqueue(Sender);
                SendExchange(ExchangeThen.Flush);
                break;
            // The connection's answers: to our fetch (ReadResult), to a flush (Flushed), or a failure.
            case ReadResult fetched:
                _fetching = false;
                if (fetched.Data.Length == 0) _input.End();
                else _input.Append(fetched.Data);
                TryCompleteRead();
                break;
            case Flushed:
                if (_flushWaiters.TryDequeue(out var flusher)) flusher.Tell(Flushed.Instance, Self);
                break;
            case IoFailed failed:
                OnFailed(failed);
                break;
            case HandlerDone:
                Complete();
                break;
            case Abort abort:
                _connection.Forward(abort); // the connection logs who aborted it
                break;
            case EndRequest:
                _done = true; // the connection is gone: nothing to send it
                Context.Stop(Self);
                break;
            case Terminated t when t.ActorRef.Equals(_handler):
                Complete();
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void StartRead(object request)
    {
        if (_start.IsDatagram) Sender.Tell(IoRefusals.NoStream);
        else if (_pending.TryStart(request, Sender, Self)) TryCompleteRead();
    }

    /// <summary>Answers the pending read from the bytes here, or fetches more from the listener
    /// (with the writes gathered so far, in the same crossing).</summary>
    private void TryCompleteRead()
    {
        if (_pending.Request is not { } request) return;
        if (_input.TryAnswer(request) is { } answer)
        {
            if (answer is IoFailed { Reason: IoFailure.LineTooLong }) _connection.Tell(answer, Self); // counted there
            _pending.Answer(answer, Self);
        }
        else if (!_fetching)
        {
            _fetching = true;
            SendExchange(ExchangeThen.Read);
        }
    }

    /// <summary>A failure from the listener: a lost connection fails everyone waiting; any other
    /// (a read timeout) can only be the fetch's.</summary>
    private void OnFailed(IoFailed failed)
    {
        _fetching = false;
        _pending.Answer(failed, Self);
        if (failed.Reason != IoFailure.ConnectionLost) return;
        _input.End(new IOException(failed.Message));
        while (_flushWaiters.TryDequeue(out var waiter)) waiter.Tell(failed, Self);
    }

    private void Gather(byte[] data)
    {
        if (_done) return; // after the end of the request: nothing to add it to
        if (data.Length == 0)
        {
            // Nothing to gather, but to a datagram reply an empty write still matters (it makes an
            // empty datagram): it goes as it is, behind what was gathered before it.
            if (!_start.IsDatagram) return;
            if (_writes.WrittenCount > 0) SendExchange(ExchangeThen.Nothing);
            _connection.Tell(new Write(data), Self);
            return;
        }
        if (_writes.WrittenCount > 0 && _writes.WrittenCount + data.Length > BatchLimit) SendExchange(ExchangeThen.Nothing);
        _writes.Write(data);
        if (_writes.WrittenCount >= BatchLimit) SendExchange(ExchangeThen.Nothing);
        else if (!_sendQueued)
        {
            // Behind the messages already queued: a read or the end that follows these writes
            // takes them along, and a handler that writes and then waits for something else
            // still has them sent now.
            _sendQueued = true;
            Self.Tell(SendWrites.First, Self);
        }
    }

    /// <summary>The request is over here: the last writes and the end cross together.</summary>
    private void Complete()
    {
        if (_done) return;
        SendExchange(ExchangeThen.Done);
        _done = true;
    }

    private void SendExchange(ExchangeThen then)
    {
        var writes = _writes.WrittenCount == 0 ? [] : _writes.WrittenSpan.ToArray();
        _writes.ResetWrittenCount();
        _connection.Tell(new Exchange(writes, then), Self);
    }

    protected override void PostStop()
    {
        _pending.Answer(new IoFailed(IoFailure.ConnectionLost, "the connection closed"), Self);
        _input.Dispose();
        base.PostStop();
    }
}
