using System.Diagnostics;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// What an operator sees of forking mode's start and stop: a busy port is one line, a clean stop
/// is quiet, and a killed listener leaves no worker behind for long.
/// </summary>
[Collection(ForkingCollections.Serving)]
public class ForkingLifecycleTests(ITestOutputHelper output)
{
    private const string Program = "ActorSockets.TestServer";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_busy_port_is_one_line_and_exit_1_before_any_worker_starts()
    {
        using var first = await SampleProcess.StartAsync(Program, "--mode", "threading");
        using var second = SampleProcess.Launch(Program, "--mode", "forking", "--workers", "2", "--port", first.Port.ToString());

        Assert.Equal(1, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"127.0.0.1:{first.Port}", second.Stderr);
        Assert.Contains("in use", second.Stderr);
        Assert.DoesNotContain("worker process", second.Stderr, StringComparison.OrdinalIgnoreCase);
        StderrAssert.OneCleanLine(second.Stderr);
        Assert.Equal(0, await first.StopAsync());
    }

    [Theory]
    [InlineData("on")]
    [InlineData("off")]
    public async Task A_clean_stop_logs_nothing_above_information_and_only_in_our_format(string handoff)
    {
        var config = Path.Combine(Path.GetTempPath(), $"actorsockets-forking-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $"actorsockets.server-defaults.forking.socket-handoff = {handoff}\n");
        using var server = await SampleProcess.StartAsync(Program, "--mode", "forking", "--workers", "2", "--config", config);
        var held = new List<TestClient>();
        try
        {
            for (int i = 0; i < 4; i++) // requests served on both workers, two still open at the stop
            {
                var client = await TestClient.ConnectAsync(server.Port);
                held.Add(client);
                await client.SendAsync("hello\n");
                Assert.EndsWith(" hello\n", await client.ReadLineAsync(Deadline));
            }
            held[0].Dispose();
            held[1].Dispose();
            server.Signal("TERM");
            held[2].HalfClose();
            held[3].HalfClose();
            Assert.Equal(0, await server.WaitForExitAsync(Deadline));
        }
        finally
        {
            foreach (var client in held) client.Dispose();
        }
        output.WriteLine(server.Stderr);
        var lines = server.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain(lines, line => line.StartsWith("warn:") || line.StartsWith("fail:") || line.StartsWith("crit:"));
        Assert.DoesNotContain(lines, line => line.StartsWith('[')); // Akka's fallback format, e.g. "[INFO][...] Remoting shut down."
        Assert.DoesNotContain("SplitBrainResolver", server.Stderr);
        Assert.DoesNotContain("Disassociated", server.Stderr);
        Assert.DoesNotContain("Drain", server.Stderr);
        Assert.Contains("left the cluster", server.Stderr); // said, at Information
    }

    [Fact]
    public async Task Workers_exit_within_a_second_of_the_listener_being_killed()
    {
        using var server = await SampleProcess.StartAsync(Program, "--mode", "forking", "--workers", "2");
        var workers = SampleModes.ProcessTree(server.Pid).Skip(1).ToList();
        Assert.Equal(2, workers.Count);
        var sinceKill = Stopwatch.StartNew();
        server.Signal("KILL");
        await Eventually.Until(() => workers.All(pid => !SampleModes.IsAlive(pid)), Deadline, "the workers to exit after the listener's SIGKILL");
        output.WriteLine($"workers gone {sinceKill.ElapsedMilliseconds} ms after kill -9 of the listener");
        Assert.True(sinceKill.Elapsed < TimeSpan.FromSeconds(1), $"workers took {sinceKill.ElapsedMilliseconds} ms to exit");
    }
}
