using System.Runtime.InteropServices;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// The process's open-file limit (<c>RLIMIT_NOFILE</c>), which every socket, pipe and file of
/// the process shares. As Go's runtime does at start, the soft limit is raised to the hard one
/// (the default soft limit of 1024 is a relic of <c>select()</c>, which .NET never uses), once
/// per process, by the first server that binds with <see cref="ServerOptions.RaiseFileLimit"/>
/// on. Linux only; elsewhere the limit is unknown and nothing is changed.
/// </summary>
internal static class FileLimit
{
    private static readonly object Gate = new();
    private static bool _raised;

    /// <summary>The soft limit in effect, or null where it is unknown (not Linux, or getrlimit failed).</summary>
    public static long? Current => OperatingSystem.IsLinux() && getrlimit(RlimitNofile, out var limit) == 0 ? Clamp(limit.Current) : null;

    /// <summary>Called when a server binds: raises the soft limit to the hard one the first time
    /// (if <paramref name="raise"/>), and logs the limit in effect at Debug.</summary>
    public static void OnBind(bool raise, ILoggingAdapter log)
    {
        if (!OperatingSystem.IsLinux()) return;
        lock (Gate)
        {
            if (getrlimit(RlimitNofile, out var limit) != 0) return;
            if (raise && !_raised && limit.Current < limit.Max)
            {
                _raised = true;
                var was = limit.Current;
                limit.Current = limit.Max;
                if (setrlimit(RlimitNofile, ref limit) == 0)
                    log.Debug("Open-file limit raised from {Previous} to the hard limit, {Limit}", Clamp(was), Clamp(limit.Max));
                else
                    log.Debug("Open-file limit stays {Limit}: raising it to {HardLimit} failed (errno {Errno})", Clamp(was), Clamp(limit.Max), Marshal.GetLastPInvokeError());
                return;
            }
            log.Debug("Open-file limit: {Limit} (hard limit {HardLimit})", Clamp(limit.Current), Clamp(limit.Max));
        }
    }

    /// <summary>Descriptors the process has open now, or null where it cannot tell (no /proc).</summary>
    public static int? OpenNow()
    {
        try
        {
            return Directory.Exists("/proc/self/fd") ? Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // EMFILE itself: cannot open the folder to count
        }
    }

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value; // RLIM_INFINITY

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    private const int RlimitNofile = 7; // Linux, every architecture .NET runs on

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);
}
