using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Nodes;

/// <summary>The listener-node flags and settings are checked like the others: one line on stderr, exit 2.</summary>
public class ClusterFlagTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30 * TestTime.Factor);

    [Theory]
    [InlineData("'not-an-address' is not a cluster address", "--seed-nodes", "not-an-address")]
    [InlineData("--cluster-port: 70000 is outside 0..65535", "--cluster-port", "70000")]
    [InlineData("--seed-nodes: a forking-mode listener is its workers' seed", "--mode", "forking", "--seed-nodes", "akka.tcp://actorsockets@127.0.0.1:4053")]
    [InlineData("actorsockets.cluster.port: 70000 is outside 0..65535", "--config", "port = 70000")]
    [InlineData("actorsockets.cluster.seeds: unknown setting", "--config", "seeds = []")]
    [InlineData("actorsockets.cluster.enabled: 'maybe' is not on/off", "--config", "enabled = maybe")]
    [InlineData("actorsockets.cluster.seed-nodes: 'x' is not a cluster address", "--config", "seed-nodes = [x]")]
    [InlineData("actorsockets.cluster.enabled: a forking-mode server has its own cluster", "--mode", "forking", "--config", "enabled = on")]
    public async Task A_bad_cluster_flag_or_setting_is_one_line_and_exit_2(string expected, params string[] args)
    {
        string? file = null;
        if (args.Contains("--config"))
        {
            file = Path.Combine(Path.GetTempPath(), $"cluster-{Guid.NewGuid():N}.conf");
            int at = Array.IndexOf(args, "--config") + 1;
            await File.WriteAllTextAsync(file, $"actorsockets.cluster {{ {args[at]} }}");
            args[at] = file;
        }
        try
        {
            using var server = SampleProcess.Launch("Echo", ["--port", "0", .. args]);
            Assert.Equal(2, await server.WaitForExitAsync(Deadline));
            var lines = server.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains(expected, lines[0]);
        }
        finally
        {
            if (file is not null) File.Delete(file);
        }
    }
}
