namespace ActorSockets.Connections;

/// <summary>
/// One connection's restart budget (<c>supervision.on-failure = restart</c>): OTP's intensity,
/// at most <c>MaxRestarts</c> restarts of its handler within <c>Within</c>. Used only from the
/// connection actor.
/// </summary>
internal sealed class HandlerRestarts(ConnectionSettings settings)
{
    private readonly RecentEvents _restarts = new(settings.RestartsWithin);

    /// <summary>Restarts within the window now.</summary>
    public int Count => _restarts.Count;

    /// <summary>Whether a handler that failed at <paramref name="now"/> may be restarted; counts the restart when it may.</summary>
    public bool Allow(DateTime now)
    {
        if (_restarts.CountAt(now) >= settings.MaxRestarts) return false;
        _restarts.Add(now);
        return true;
    }
}
