using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace ActorSockets.CommandLine;

/// <summary>
/// What the command line tells a service manager that asked (systemd's <c>sd_notify</c>, sent
/// with Microsoft.Extensions.Hosting.Systemd's notifier when <c>NOTIFY_SOCKET</c> is set):
/// <c>READY=1</c> once every server listens, <c>STOPPING=1</c> when the drain starts, and
/// <c>WATCHDOG=1</c> every half of <c>WATCHDOG_USEC</c> from ready on, so a hung process is
/// restarted. Without <c>NOTIFY_SOCKET</c> every call does nothing.
/// </summary>
internal sealed class ServiceNotices(ISystemdNotifier notifier, TimeSpan? watchdogInterval) : IDisposable
{
    private Timer? _watchdog;

    /// <summary>Notices to the manager named in this process's environment.</summary>
    public static ServiceNotices FromEnvironment()
        => new(new SystemdNotifier(), WatchdogInterval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
            Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId));

    /// <summary>Half the watchdog period systemd asks for (<c>sd_watchdog_enabled</c>): null when
    /// none is asked, or it is asked of another process.</summary>
    internal static TimeSpan? WatchdogInterval(string? usec, string? pid, int ownPid)
    {
        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros <= 0) return null;
        if (pid is { Length: > 0 } && (!int.TryParse(pid, out var forPid) || forPid != ownPid)) return null;
        return TimeSpan.FromMicroseconds(micros / 2.0);
    }

    /// <summary>Every server listens: <c>READY=1</c> (with <c>MAINPID</c>, so a successor started
    /// beside the main process becomes the service's main process), then the watchdog starts.</summary>
    public void Ready()
    {
        if (!notifier.IsEnabled) return;
        notifier.Notify(new ServiceState($"READY=1\nMAINPID={Environment.ProcessId}"));
        if (watchdogInterval is { } every)
            _watchdog = new Timer(_ => notifier.Notify(Watchdog), null, every, every);
    }

    /// <summary>The drain starts: <c>STOPPING=1</c>. The watchdog goes on while the drain lasts.</summary>
    public void Stopping()
    {
        if (notifier.IsEnabled) notifier.Notify(ServiceState.Stopping);
    }

    /// <summary>Stops the watchdog.</summary>
    public void Dispose() => _watchdog?.Dispose();

    private static readonly ServiceState Watchdog = new("WATCHDOG=1");
}
