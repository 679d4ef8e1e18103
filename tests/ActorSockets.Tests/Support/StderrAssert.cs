using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>What an operator reads on a failed program's stderr.</summary>
public static class StderrAssert
{
    /// <summary>Exactly one line on stderr besides informational log lines, no stack frames, and no
    /// log line claiming exit code 0.</summary>
    public static void OneCleanLine(string stderr)
    {
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("ExitCode:0", stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("info:", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}:\n{stderr}");
    }
}
