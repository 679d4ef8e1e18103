using System.Threading.Tasks.Sources;
using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// Where a stream handler's I/O answers come back: one temporary actor reference per handler,
/// reused for every read and flush. An Ask per read would allocate a promise actor, a task and
/// a temporary path each time; this allocates nothing per request. Like an Ask it works across
/// processes (a handler in a worker gets its answers through the worker's temp actors). The
/// handler awaits one answer at a time, which the connection enforces too.
/// </summary>
internal sealed class ReplyChannel : MinimalActorRef, IValueTaskSource<object>, IDisposable
{
    private readonly IActorRefProvider _provider;
    private readonly ActorPath _path;
    private ManualResetValueTaskSourceCore<object> _answer = new() { RunContinuationsAsynchronously = true };
    private int _awaiting;

    public ReplyChannel(IActorRefProvider provider)
    {
        _provider = provider;
        _path = provider.TempPath();
        provider.RegisterTempActor(this, _path);
    }

    public override ActorPath Path => _path;

    public override IActorRefProvider Provider => _provider;

    /// <summary>Sends <paramref name="request"/> to <paramref name="target"/> with this channel as the
    /// sender; the first answer completes the returned task (its continuation runs in the handler's
    /// context, not on the answering actor's thread).</summary>
    public ValueTask<object> Ask(IActorRef target, object request)
    {
        _answer.Reset();
        Volatile.Write(ref _awaiting, 1);
        target.Tell(request, this);
        return new ValueTask<object>(this, _answer.Version);
    }

    protected override void TellInternal(object message, IActorRef sender)
    {
        // An answer nobody awaits (the handler moved on or stopped) is dropped.
        if (Interlocked.Exchange(ref _awaiting, 0) == 1) _answer.SetResult(message);
    }

    public void Dispose() => _provider.UnregisterTempActor(_path);

    object IValueTaskSource<object>.GetResult(short token) => _answer.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<object>.GetStatus(short token) => _answer.GetStatus(token);

    void IValueTaskSource<object>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _answer.OnCompleted(continuation, state, token, flags);
}
