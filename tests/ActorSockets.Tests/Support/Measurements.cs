using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>Tests that measure the whole process (open descriptors, managed memory, bytes
/// allocated) run in this collection, alone: xunit runs it after the parallel collections, so
/// no other test's sockets or allocations blur the figures.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Measurements
{
    public const string Name = "process measurements (run alone)";

    /// <summary>Open file descriptors of this process.</summary>
    public static int OpenDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

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
