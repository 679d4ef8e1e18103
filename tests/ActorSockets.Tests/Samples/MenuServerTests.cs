using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

/// <summary>Seed 004's 10086 menu server, driven by the seed's own client (ported to Python 3).
/// A call leaves nothing behind in the server, so the cases share one server per mode
/// (<see cref="MenuServers"/>): a forking server's worker takes seconds to start.</summary>
public class MenuServerTests(MenuServerTests.MenuServers servers) : IClassFixture<MenuServerTests.MenuServers>
{
    /// <summary>One MenuServer per mode, started when a case first asks for it and stopped (exit code 0)
    /// when the class is done.</summary>
    public sealed class MenuServers : IAsyncLifetime
    {
        private readonly Dictionary<string, Task<SampleProcess>> _servers = [];

        public Task<SampleProcess> For(string mode)
        {
            lock (_servers)
            {
                if (!_servers.TryGetValue(mode, out var server))
                    _servers[mode] = server = SampleProcess.StartAsync("MenuServer", ["--port", "0", .. SampleModes.Args(mode)]);
                return server;
            }
        }

        public Task InitializeAsync() => Task.CompletedTask;

        /// <summary>Stops every server that started (one that failed to start failed its case already),
        /// and kills any that did not stop.</summary>
        public async Task DisposeAsync()
        {
            var started = new List<SampleProcess>();
            foreach (var starting in _servers.Values)
                if (await starting.ContinueWith(t => t.IsCompletedSuccessfully)) started.Add(await starting);
            var exits = new List<int>();
            try
            {
                foreach (var server in started) exits.Add(await server.StopAsync());
            }
            finally
            {
                foreach (var server in started) server.Dispose();
            }
            Assert.All(exits, code => Assert.Equal(0, code));
        }
    }

    private const string Welcome = "receive: 欢迎致电10086,请输入1xxx,0转人工服务.";
    private const string Operator = "receive: 通话可能会被录音,正在为您转接人工服务.";

    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public Task The_seed_client_gets_the_full_menu_dialogue_in_Chinese(string mode) => AssertDialogueAsync(mode,
        ["seed", "1234", "你好,我要查话费", "0", "exit"],
        [
            Welcome,
            "receive: 您输入的是\"1234\",请重新输入.",
            "receive: 您输入的是\"你好,我要查话费\",请重新输入.",
            Operator,
            "closed",
        ]);

    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public Task Newline_framed_messages_are_split_and_joined_across_segments(string mode) => AssertDialogueAsync(mode,
        ["lines"],
        [
            Welcome,
            Operator,
            "receive: 您输入的是\"你好\",请重新输入.",
            "receive: 您输入的是\"1你88\",请重新输入.",
            "closed",
        ]);

    /// <summary>The seed loops forever on an empty recv when a caller hangs up without "exit";
    /// in sync mode the next caller would then never be served.</summary>
    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task A_caller_who_hangs_up_without_exit_ends_the_call_and_the_next_is_served(string mode)
    {
        var server = await servers.For(mode);
        Assert.Equal([Welcome, Operator, "closed"], await RunClientAsync(server, "eof"));
        Assert.Equal([Welcome, "closed"], await RunClientAsync(server, "seed", "exit"));
    }

    [Theory]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task Concurrent_modes_serve_two_callers_at_once(string mode)
    {
        var server = await servers.For(mode);
        using var first = await TestClient.ConnectAsync(server.Port);
        using var second = await TestClient.ConnectAsync(server.Port);
        Assert.StartsWith("欢迎致电10086", await second.ReadLineAsync());
        Assert.StartsWith("欢迎致电10086", await first.ReadLineAsync());
        await second.SendAsync("0\n");
        Assert.Equal(Operator["receive: ".Length..] + "\n", await second.ReadLineAsync());
        await first.SendAsync("exit\n");
        await second.SendAsync("exit\n");
        Assert.True(await first.IsClosedByServerAsync());
        Assert.True(await second.IsClosedByServerAsync());
    }

    private async Task AssertDialogueAsync(string mode, string[] clientArgs, string[] expected)
    {
        var server = await servers.For(mode);
        Assert.Equal(expected, await RunClientAsync(server, clientArgs[0], clientArgs[1..]));
    }

    private static async Task<string[]> RunClientAsync(SampleProcess server, string mode, params string[] messages)
    {
        var (exit, stdout, stderr) = await Python.RunAsync("seed004_menu_client.py", [mode, server.Port.ToString(), .. messages]);
        Assert.True(exit == 0, $"client failed:\n{stdout}\n{stderr}\nserver log:\n{server.Stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
