namespace ActorSockets.Servers;

/// <summary>
/// How many client sockets the process may hold, so that it never runs out of descriptors: the
/// open-file limit, less what was open when the first server bound, less a reserve for what the
/// runtime and the server open later (threads' pipes, log files, links to workers, the metrics
/// endpoint). Without the reserve the .NET runtime itself hits EMFILE and aborts the process
/// ("Out of memory.", SIGABRT) once clients have taken every descriptor. Every listener of the
/// process shares one count (the limit is the process's); each holds one of these, used only
/// from its actor, which takes a descriptor for each socket it accepts and gives it back when
/// the socket is closed. Past the budget a socket just accepted is closed at once (libuv's
/// way: the client learns at once instead of waiting in a full backlog), and a failing accept
/// (EMFILE, ENFILE) is retried after a growing pause instead of at once (Go's way).
/// </summary>
internal sealed class DescriptorBudget
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(1);
    private static readonly object Gate = new();
    private static long _processHeld;
    private static long _capacity = long.MaxValue; // until measured, or when no limit is known

    private int _held;
    private bool _short;
    private TimeSpan _backoff = FirstBackoff;

    /// <summary>Client sockets the whole process may hold (null: no limit known).</summary>
    public static long? Capacity => Volatile.Read(ref _capacity) is var capacity && capacity != long.MaxValue ? capacity : null;

    /// <summary>Descriptors kept for the runtime and the server's own needs with an open-file limit of
    /// <paramref name="limit"/>: an eighth of it, at least 64 (a .NET process with Akka opens a few
    /// dozen more under load: thread-pool threads, timers, the worker links) and at most 1,024.</summary>
    public static long Reserve(long limit) => Math.Clamp(limit / 8, 64, 1024);

    /// <summary>Called when a server binds (after <see cref="FileLimit.OnBind"/>): the first time,
    /// measures the budget from the limit and what is open now.</summary>
    public static void Measure()
    {
        lock (Gate)
        {
            if (_capacity != long.MaxValue || FileLimit.Current is not { } limit || FileLimit.OpenNow() is not { } open) return;
            Volatile.Write(ref _capacity, Math.Max(1, limit - open - Reserve(limit)));
        }
    }

    /// <summary>Called at bind: whether <paramref name="maxConnections"/> (null: no limit) is more
    /// than the descriptors can serve.</summary>
    public static bool CannotServe(int? maxConnections)
        => Capacity is { } capacity && maxConnections is { } max && max > capacity;

    /// <summary>Called for each socket accepted, before anything else is done with it: counts it,
    /// and says whether it may be kept (false: close it at once and call <see cref="Release"/>).</summary>
    public bool Take()
    {
        _held++;
        return Interlocked.Increment(ref _processHeld) <= Volatile.Read(ref _capacity);
    }

    /// <summary>Called when a socket taken is closed, or the request that took it has ended.</summary>
    public void Release()
    {
        if (_held == 0) return;
        _held--;
        Interlocked.Decrement(ref _processHeld);
    }

    /// <summary>Called when the listener stops: whatever it still counts is closed with it.</summary>
    public void ReleaseAll()
    {
        Interlocked.Add(ref _processHeld, -_held);
        _held = 0;
    }

    /// <summary>Called when a client was turned away for lack of descriptors (past the budget, or
    /// accept failed with EMFILE or ENFILE): true the first time in a row, when the caller logs
    /// its one warning for the whole episode.</summary>
    public bool BeginShortage()
    {
        if (_short) return false;
        _short = true;
        return true;
    }

    /// <summary>Called when a socket was accepted and kept: true when that ends a shortage (the
    /// caller logs that accepting is back to normal).</summary>
    public bool EndShortage()
    {
        _backoff = FirstBackoff;
        if (!_short) return false;
        _short = false;
        return true;
    }

    /// <summary>Called when accept failed with EMFILE or ENFILE: how long to wait before accepting
    /// again, doubling from 50 ms to 1 s while it keeps failing, so the listener never spins.</summary>
    public TimeSpan NextBackoff()
    {
        var wait = _backoff;
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, LastBackoff.Ticks));
        return wait;
    }
}
