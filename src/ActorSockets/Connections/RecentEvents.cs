namespace ActorSockets.Connections;

/// <summary>
/// The times of events within a sliding window: OTP's restart intensity (a handler's restarts, a
/// server's worker restarts) and the circuit breaker's failure count all ask "how many in the
/// last <c>window</c>". Used only from its owner actor's thread.
/// </summary>
internal sealed class RecentEvents(TimeSpan window)
{
    private readonly Queue<DateTime> _times = new();

    /// <summary>Events counted now (as of the last <see cref="Add"/> or <see cref="CountAt"/>).</summary>
    public int Count => _times.Count;

    /// <summary>Records an event at <paramref name="now"/>; returns how many are in the window with it.</summary>
    public int Add(DateTime now)
    {
        Forget(now);
        _times.Enqueue(now);
        return _times.Count;
    }

    /// <summary>How many events are in the window at <paramref name="now"/>.</summary>
    public int CountAt(DateTime now)
    {
        Forget(now);
        return _times.Count;
    }

    public void Clear() => _times.Clear();

    private void Forget(DateTime now)
    {
        while (_times.TryPeek(out var oldest) && now - oldest > window) _times.Dequeue();
    }
}
