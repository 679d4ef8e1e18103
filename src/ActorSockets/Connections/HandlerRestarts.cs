using ActorSockets.Servers;

namespace ActorSockets.Connections;

/// <summary>
/// One connection's restart budget (<c>supervision.on-failure = restart</c>): OTP's intensity,
/// at most <c>MaxRestarts</c> restarts of its handler within <c>Within</c>. Used only from the
/// connection actor.
/// </summary>
internal sealed class HandlerRestarts(SupervisionOptions options)
{
    private readonly Queue<DateTime> _restarts = new();

    /// <summary>Restarts within the window now.</summary>
    public int Count => _restarts.Count;

    /// <summary>Whether a handler that failed at <paramref name="now"/> may be restarted; counts the restart when it may.</summary>
    public bool Allow(DateTime now)
    {
        while (_restarts.TryPeek(out var oldest) && now - oldest > options.Within) _restarts.Dequeue();
        if (_restarts.Count >= options.MaxRestarts) return false;
        _restarts.Enqueue(now);
        return true;
    }
}
