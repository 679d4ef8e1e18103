using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>Tests that measure the whole process (open descriptors, managed memory, bytes
/// allocated), and the fuzz runs that load the machine, run in this collection, alone: xunit
/// runs it after the parallel collections, so no other test's sockets or allocations blur the
/// figures and the fuzzer's load does not starve other tests' deadlines.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Measurements
{
    public const string Name = "measurements and load (run alone)";

    /// <summary>Open file descriptors of this process, except the runtime's assembly and symbol
    /// files: it opens those the first time some code needs them and keeps them for good.</summary>
    public static int OpenDescriptors() => DescribeDescriptors().Values.Count(target => !IsCodeFile(target));

    private static bool IsCodeFile(string target) => Path.GetExtension(target) is ".dll" or ".pdb" or ".so";

    /// <summary>What each open descriptor is (socket:[inode], pipe:[..], a path), for failure messages.</summary>
    public static Dictionary<string, string> DescribeDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd")
        .Select(fd => (Fd: Path.GetFileName(fd), Target: Describe(fd)))
        .ToDictionary(d => d.Fd, d => d.Target);

    private static string Describe(string fd)
    {
        try { return new FileInfo(fd).LinkTarget ?? "?"; }
        catch (IOException) { return "closed meanwhile"; }
    }

    /// <summary>Live managed heap after full collections.</summary>
    public static long ManagedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static string MiB(long bytes) => $"{bytes / 1024.0 / 1024.0:F1} MiB";
}
