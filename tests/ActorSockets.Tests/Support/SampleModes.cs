namespace ActorSockets.Tests.Support;

/// <summary>The command-line arguments that put a sample in a server mode. Forking mode gets one
/// worker process: enough to cross a process boundary, cheap on a shared 2-core machine.</summary>
public static class SampleModes
{
    public static string[] Args(string mode)
        => mode == "forking" ? ["--mode", mode, "--workers", "1"] : ["--mode", mode];

    /// <summary>A process and its descendants (forking mode's workers), from /proc (Linux).</summary>
    public static IEnumerable<int> ProcessTree(int pid)
    {
        yield return pid;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                foreach (var descendant in ProcessTree(int.Parse(child)))
                    yield return descendant;
    }

    /// <summary>Whether process <paramref name="pid"/> runs (exists and is not a zombie), from /proc (Linux).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var state = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("State:"));
            return state is not null && !state.Contains('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A memory figure of a process from /proc/PID/status, in bytes (VmRSS, VmHWM, ...).</summary>
    public static long StatusBytes(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":"));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;
    }
}
