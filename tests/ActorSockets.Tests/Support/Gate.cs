namespace ActorSockets.Tests.Support;

/// <summary>Counts handlers that reached it; lets them all go on when opened.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public int Started => Volatile.Read(ref _started);

    public Task Arrive()
    {
        Interlocked.Increment(ref _started);
        return _open.Task;
    }

    public void Open() => _open.TrySetResult();
}
