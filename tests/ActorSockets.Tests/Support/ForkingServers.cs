using System.Text.RegularExpressions;
using ActorSockets.Forking;
using ActorSockets.Servers;
using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>Forking-mode servers for tests: the listener in this process, its workers real
/// processes of the test server program (tests/ActorSockets.TestServer).</summary>
public static class ForkingServers
{
    public const string Program = "ActorSockets.TestServer";

    /// <summary>The two paths a request can take: the accepted socket handed to the worker process
    /// (the default), or its bytes relayed as messages (<c>forking.socket-handoff = off</c>).</summary>
    public const string Handoff = "handoff", Relay = "relay";

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Paths => new() { Handoff, Relay };

    /// <summary>The end of the test server's answer to "where" on <paramref name="path"/>.</summary>
    public static string Where(string path) => path == Handoff ? " handoff\n" : " request\n";

    /// <summary>Starts the test server in forking mode for <paramref name="path"/>, with
    /// <paramref name="settings"/> (HOCON keys of actorsockets.server-defaults) in a --config file.</summary>
    public static async Task<SampleProcess> StartAsync(string path, string settings, params string[] args)
    {
        var config = Path.Combine(Path.GetTempPath(), $"actorsockets-forking-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $"actorsockets.server-defaults {{\n forking.socket-handoff = {(path == Handoff ? "on" : "off")}\n {settings}\n}}\n");
        return await SampleProcess.StartAsync(Program, ["--mode", "forking", "--config", config, .. args]);
    }

    /// <summary>A request on a fresh connection is served by a worker (not the listener) on
    /// <paramref name="path"/>; then, unless <paramref name="line"/> is "where", <paramref name="line"/>
    /// on another connection is answered with <paramref name="expected"/>.</summary>
    public static async Task AssertServedByAsync(SampleProcess server, string path, string line = "where", string? expected = null)
    {
        using (var client = await TestClient.ConnectAsync(server.Port))
        {
            await client.SendAsync("where\n");
            var reply = await client.ReadLineAsync(Deadline);
            Assert.EndsWith(Where(path), reply);
            Assert.NotEqual(server.Pid.ToString(), Regex.Match(reply, @"^\d+").Value);
        }
        if (line == "where") return;
        using var other = await TestClient.ConnectAsync(server.Port);
        await other.SendAsync(line + "\n");
        Assert.EndsWith($" {expected}\n", await other.ReadLineAsync(Deadline));
    }

    /// <summary>Options for a TCP forking listener on 127.0.0.1 whose workers run the test server's
    /// <c>pid</c> handler ("&lt;pid&gt; &lt;line&gt;"; "where" answers handoff or request).</summary>
    public static ServerOptions Options(int workers, int maxChildren, bool handoff, ServerOptions? basis = null)
        => (basis ?? ServerOptions.Tcp()) with
        {
            Mode = ServerMode.Forking,
            Forking = new ForkingOptions
            {
                Workers = workers,
                MaxChildren = maxChildren,
                SocketHandoff = handoff,
                Command = new WorkerCommand("dotnet", [SampleProcess.SampleDll(Program), "--worker", "--seed-nodes", "{seed}"]),
            },
        };
}
