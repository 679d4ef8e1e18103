using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>Issue item 7: tests/fuzz/fuzz.py throws mutated input at each sample, run as a real
/// process, for a bounded time; the sample must still answer a good request (the harness checks
/// one every 20 iterations and at the end), must not have crashed, and must stop cleanly.</summary>
[Collection(Measurements.Name)]
public class FuzzTests(ITestOutputHelper output)
{
    private const string Seconds = "2";
    private const string Seed = "20261125";

    [Theory]
    [InlineData("Echo", "echo")]
    [InlineData("Echo", "echo", "--unix")]
    [InlineData("Echo", "echo-udp", "--udp")]
    [InlineData("ThreadedEcho", "threaded-echo")]
    [InlineData("TimeServer", "time-udp")]
    [InlineData("TimeServer", "time-tcp", "--tcp")]
    [InlineData("MenuServer", "menu")]
    [InlineData("ChatRoom", "chat")]
    [InlineData("FileServer", "files", "--root")]
    public async Task A_fuzzed_sample_still_answers_a_good_request(string sample, string protocol, string? flag = null)
    {
        var unix = flag == "--unix" ? UnixPaths.New() : null;
        var root = flag == "--root" ? Directory.CreateTempSubdirectory("fuzz-files-").FullName : null;
        string[] sampleArgs = (flag, unix, root) switch
        {
            (null, _, _) => ["--port", "0"],
            (_, { } path, _) => ["--unix", path],
            (_, _, { } dir) => ["--port", "0", "--root", dir, "--max-file-size", "1048576"], // fuzzed uploads stay small
            _ => ["--port", "0", flag],
        };
        using var server = await SampleProcess.StartAsync(sample, sampleArgs);
        try
        {
            string[] where = unix is null ? ["--port", server.Listening] : ["--unix", unix];
            var (exit, stdout, stderr) = await Python.RunRepoScriptAsync("tests/fuzz/fuzz.py",
                ["--protocol", protocol, .. where, "--seconds", Seconds, "--seed", Seed, "--check-every", "20"]);
            output.WriteLine(stdout.Trim());
            Assert.True(exit == 0, $"fuzz.py exit {exit}\n{stdout}\n{stderr}\nserver stderr:\n{Tail(server.Stderr)}");

            var result = Regex.Match(stdout, @"RESULT .* iterations=(\d+) checks=(\d+) failed_checks=0");
            Assert.True(result.Success, stdout);
            Assert.True(int.Parse(result.Groups[1].Value) > 0 && int.Parse(result.Groups[2].Value) > 0, stdout);
            Assert.DoesNotContain("Unhandled exception", server.Stderr);
            Assert.Equal(0, await server.StopAsync()); // still alive, and stops gracefully
        }
        finally
        {
            if (unix is not null) File.Delete(unix);
            if (root is not null) Directory.Delete(root, recursive: true);
        }
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
