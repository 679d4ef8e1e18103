using System.Threading.Tasks.Sources;
using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// Where a stream handler's I/O answers come back: one temporary actor reference per handler,
/// reused for every read and flush. An Ask per read would allocate a promise actor, a task and
/// a temporary path each time; this allocates nothing per request. Like an Ask it works across
/// processes (a handler in a worker gets its answers through the worker's temp actors). The
/// handler awaits one answer at a time, which the connection enforces too.
/// Its temporary path is made and registered only when something asks for it (remoting
/// serializing it as a sender, a log naming it): local answers come straight to
/// <see cref="TellInternal"/>, so a handler in the server's own process never registers one.
/// </summary>
internal sealed class ReplyChannel : MinimalActorRef, IValueTaskSource<object>, IDisposable
{
    private static readonly object RegisterLock = new();

    private readonly IActorRefProvider _provider;
    private ActorPath? _path;
    private bool _disposed;
    private ManualResetValueTaskSourceCore<object> _answer = new() { RunContinuationsAsynchronously = true };
    private int _awaiting;

    public ReplyChannel(IActorRefProvider provider) => _provider = provider;

    public override ActorPath Path => Volatile.Read(ref _path) ?? Register();

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

    private ActorPath Register()
    {
        lock (RegisterLock) // taken only when a path is asked for: rare, so one lock for all channels
        {
            if (_path is null)
            {
                var path = _provider.TempPath();
                if (!_disposed) _provider.RegisterTempActor(this, path); // after Dispose: a name, nothing to reach
                Volatile.Write(ref _path, path);
            }
            return _path;
        }
    }

    public void Dispose()
    {
        lock (RegisterLock)
        {
            _disposed = true;
            if (_path is not null) _provider.UnregisterTempActor(_path);
        }
    }

    object IValueTaskSource<object>.GetResult(short token) => _answer.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<object>.GetStatus(short token) => _answer.GetStatus(token);

    void IValueTaskSource<object>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _answer.OnCompleted(continuation, state, token, flags);
}
