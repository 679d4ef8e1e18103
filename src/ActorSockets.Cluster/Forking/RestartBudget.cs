using ActorSockets.Connections;

namespace ActorSockets.Forking;

/// <summary>
/// When a dead worker process is started again: OTP's restart intensity over all of a server's
/// worker processes (at most <c>MaxRestarts</c> within <c>RestartsWithin</c>, each after
/// <c>RestartDelay</c>), and past it a backoff that starts at 1 s (or <c>RestartDelay</c>, if
/// longer) and doubles up to <c>RestartBackoffMax</c>. A worker that stayed up longer than the
/// window clears the count. Used only from <see cref="WorkerProcesses"/>' thread.
/// </summary>
internal sealed class RestartBudget(ForkingOptions options)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    private readonly RecentEvents _restarts = new(options.RestartsWithin);

    /// <summary>The pause before the last restart past the intensity; zero within it.</summary>
    public TimeSpan Backoff { get; private set; }

    /// <summary>Restarts counted in the window now.</summary>
    public int Restarts => _restarts.Count;

    /// <summary>A worker died at <paramref name="now"/> after running for <paramref name="upFor"/>:
    /// the pause before its replacement starts, and whether that pause is a new backoff step (a
    /// longer pause than the one before, worth one warning).</summary>
    public (TimeSpan Delay, bool NewStep) NextRestart(DateTime now, TimeSpan upFor)
    {
        if (upFor > options.RestartsWithin) _restarts.Clear();
        if (_restarts.Add(now) <= options.MaxRestarts)
        {
            Backoff = TimeSpan.Zero;
            return (options.RestartDelay, false);
        }
        var first = Max(FirstBackoff, options.RestartDelay);
        var next = Backoff == TimeSpan.Zero ? first : Min(Backoff * 2, Max(options.RestartBackoffMax, first));
        bool newStep = next != Backoff;
        Backoff = next;
        return (next, newStep);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
