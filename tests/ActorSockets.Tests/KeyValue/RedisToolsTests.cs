using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.KeyValue;

/// <summary>The KeyValue sample driven by redis-cli and redis-benchmark (Debian's redis-tools,
/// which .ci/run installs): clients written elsewhere, as a user would run them.</summary>
public class RedisToolsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180); // 40,000 requests on a loaded machine

    private static Task<(int ExitCode, string Stdout, string Stderr)> Tool(string program, int port, string? stdin, params string[] args)
        => ExternalTool.RunAsync(program, ["-h", "127.0.0.1", "-p", port.ToString(), .. args], Deadline, stdin ?? ""); // never the test host's stdin

    /// <summary>redis-cli starts against the sample (it asks COMMAND DOCS first), runs commands given
    /// as arguments and read from stdin, and prints errors as it prints redis-server's.</summary>
    [Fact]
    public async Task Redis_cli_runs_commands_from_its_arguments_and_from_stdin()
    {
        using var server = await SampleProcess.StartAsync("KeyValue", "--port", "0");
        Assert.Equal((0, "OK\n"), Result(await Tool("redis-cli", server.Port, null, "SET", "city", "Zürich")));
        Assert.Equal((0, "Zürich\n"), Result(await Tool("redis-cli", server.Port, null, "GET", "city")));

        var (exit, stdout, stderr) = await Tool("redis-cli", server.Port,
            "INCR visits\nINCRBY visits 41\nEXPIRE city 60\nTTL city\nMGET city visits nope\nDEL city\nEXISTS city\nDBSIZE\nGET\nPING\nECHO \"two words\"\n");
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        Assert.Equal("1\n42\n1\n60\nZürich\n42\n\n1\n0\n1\nERR wrong number of arguments for 'get' command\n\nPONG\ntwo words\n", stdout);
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>redis-benchmark's SET and GET tests (20 connections, 20,000 requests each) run
    /// through without an error reply.</summary>
    [Fact]
    public async Task Redis_benchmark_set_and_get_report_no_errors()
    {
        using var server = await SampleProcess.StartAsync("KeyValue", "--port", "0");
        var (exit, stdout, stderr) = await Tool("redis-benchmark", server.Port, null, "-t", "set,get", "-n", "20000", "-c", "20", "-q");
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        var lines = stdout.Split('\r', '\n').Where(l => l.Contains("requests per second")).ToList();
        Assert.Contains(lines, l => l.StartsWith("SET: "));
        Assert.Contains(lines, l => l.StartsWith("GET: "));
        Assert.DoesNotContain("ERR", stdout + stderr);
        Assert.DoesNotContain("rror", stdout + stderr);
        Assert.Equal(0, await server.StopAsync());
    }

    private static (int, string) Result((int ExitCode, string Stdout, string Stderr) run) => (run.ExitCode, run.Stdout);
}
