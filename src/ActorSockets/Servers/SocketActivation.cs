using System.Runtime.InteropServices;

namespace ActorSockets.Servers;

/// <summary>
/// systemd's socket activation (<c>sd_listen_fds</c>): when the process was started with
/// <c>LISTEN_FDS</c> for its own pid (<c>LISTEN_PID</c>), the listening sockets passed from
/// descriptor 3 on are the servers' to take instead of binding. A server takes the descriptor
/// <c>LISTEN_FDNAMES</c> names after it (a <c>.socket</c> unit's <c>FileDescriptorName=</c>,
/// by default the unit's name), else the next one not yet taken, in order. Every
/// <see cref="SocketServer"/> asks here when it is created, so it works in every mode and host.
/// </summary>
/// <remarks>
/// The variables are read once and then removed from the environment (systemd's convention), so
/// processes started later (forking mode's workers) do not take them for theirs; the descriptors
/// are marked close-on-exec for the same reason: they belong to the server that takes them.
/// </remarks>
public static class SocketActivation
{
    /// <summary>The first passed descriptor (<c>SD_LISTEN_FDS_START</c>).</summary>
    public const int FirstDescriptor = 3;

    private static readonly object Gate = new();
    private static IReadOnlyList<PassedSocket>? _passed;
    private static readonly Dictionary<string, int> Taken = new(StringComparer.Ordinal);

    /// <summary>One descriptor passed by the service manager, with its name ("" when none was given).</summary>
    /// <param name="Descriptor">The descriptor number, from <see cref="FirstDescriptor"/> on.</param>
    /// <param name="Name">Its <c>LISTEN_FDNAMES</c> entry.</param>
    public readonly record struct PassedSocket(int Descriptor, string Name);

    /// <summary>The sockets this process was started with; empty when it was not socket-activated.</summary>
    public static IReadOnlyList<PassedSocket> Passed
    {
        get
        {
            lock (Gate) return _passed ??= ReadEnvironment();
        }
    }

    /// <summary><paramref name="options"/> with the passed socket of server <paramref name="name"/>
    /// as its <see cref="ServerOptions.ListenDescriptor"/>; unchanged when the process was not
    /// socket-activated, no passed socket is left for it, or it has a descriptor already. The
    /// same name always gets the same descriptor.</summary>
    public static ServerOptions Apply(ServerOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ListenDescriptor is not null || Passed.Count == 0) return options;
        lock (Gate)
            return Claim(_passed!, Taken, name) is { } fd ? options with { ListenDescriptor = fd } : options;
    }

    /// <summary>Which descriptor server <paramref name="name"/> takes, recorded in <paramref name="taken"/>:
    /// the one named after it, else the first not taken. Null when none is left.</summary>
    internal static int? Claim(IReadOnlyList<PassedSocket> passed, Dictionary<string, int> taken, string name)
    {
        if (taken.TryGetValue(name, out var already)) return already;
        var free = passed.Where(p => !taken.ContainsValue(p.Descriptor)).ToList();
        if (free.Count == 0) return null;
        var pick = free.FirstOrDefault(p => p.Name == name, free[0]);
        taken[name] = pick.Descriptor;
        return pick.Descriptor;
    }

    /// <summary>Parses the three variables for process <paramref name="ownPid"/>: empty unless
    /// <paramref name="pid"/> is that process and <paramref name="count"/> a positive number.</summary>
    internal static IReadOnlyList<PassedSocket> Parse(string? pid, string? count, string? names, int ownPid)
    {
        if (!int.TryParse(pid, out var forPid) || forPid != ownPid) return [];
        if (!int.TryParse(count, out var n) || n <= 0) return [];
        var given = string.IsNullOrEmpty(names) ? [] : names.Split(':');
        return Enumerable.Range(0, n)
            .Select(i => new PassedSocket(FirstDescriptor + i, i < given.Length ? given[i] : ""))
            .ToList();
    }

    private static IReadOnlyList<PassedSocket> ReadEnvironment()
    {
        var passed = Parse(Environment.GetEnvironmentVariable(PidVariable), Environment.GetEnvironmentVariable(CountVariable),
            Environment.GetEnvironmentVariable(NamesVariable), Environment.ProcessId);
        foreach (var variable in Variables) Environment.SetEnvironmentVariable(variable, null);
        if (OperatingSystem.IsLinux())
            foreach (var socket in passed) _ = fcntl(socket.Descriptor, FSetFd, FdCloexec);
        return passed;
    }

    internal const string PidVariable = "LISTEN_PID", CountVariable = "LISTEN_FDS", NamesVariable = "LISTEN_FDNAMES";

    /// <summary>The variables of socket activation, which a process started by this one must not inherit.</summary>
    public static IReadOnlyList<string> Variables { get; } = [PidVariable, CountVariable, NamesVariable];

    private const int FSetFd = 2, FdCloexec = 1;

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int command, int argument);
}
