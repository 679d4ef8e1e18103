using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>A server short of file descriptors keeps a reserve for the runtime, closes what it
/// cannot hold, says so once, and serves again when descriptors free up. Without the reserve the
/// .NET runtime's own new threads hit EMFILE and it aborted the process ("Out of memory.", SIGABRT).</summary>
public class DescriptorLimitTests(ITestOutputHelper output)
{
    private const int Flood = 1000;

    [Fact]
    public async Task Under_ulimit_256_a_flood_of_1000_connections_leaves_the_server_alive_and_serving_with_few_warnings()
    {
        var config = Path.Combine(Path.GetTempPath(), $"actorsockets-descriptors-{Guid.NewGuid():N}.conf");
        File.WriteAllText(config, "actorsockets.server-defaults.max-connections = 1000\n");
        using var server = await SampleProcess.StartAsync("Echo", WithOpenFileLimit(256), "--config", config);
        File.Delete(config);
        // More connections allowed than the descriptors can hold: said at start, in one line.
        await server.WaitForStderrAsync("max-connections = 1000 is more than the");
        var flood = new List<Socket>(Flood);
        try
        {
            var clock = Stopwatch.StartNew();
            var connecting = new List<Task>(Flood);
            for (int i = 0; i < Flood; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                flood.Add(socket);
                connecting.Add(ConnectQuietlyAsync(socket, server.Port));
            }
            await Task.WhenAll(connecting);
            output.WriteLine($"{Flood} connection attempts in {clock.ElapsedMilliseconds} ms, {flood.Count(s => s.Connected)} connected");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5) * TestTime.Factor, $"the flood took {clock.Elapsed}");
            // Every flood connection open at once, and each sends a byte to make the server work for it.
            foreach (var socket in flood.Where(s => s.Connected))
                try { socket.Send("x"u8); } catch (SocketException) { /* closed by the server already */ }
            // The server has met the flood once it says it is short of descriptors (or has died of it).
            await Eventually.Until(() => server.HasExited || server.Stderr.Contains("closing new connections at once"),
                TimeSpan.FromSeconds(30), "the server to meet the flood");
            Assert.False(server.HasExited, $"the server died under the flood:\n{Tail(server.Stderr)}");
        }
        finally
        {
            foreach (var socket in flood) socket.Dispose();
        }
        // Once the flood's connections close, a good client is served.
        string answer = "";
        await Eventually.Until(() =>
        {
            try
            {
                answer = TestClient.RequestLineAsync(server.Port, "after the flood").GetAwaiter().GetResult();
                return answer == "after the flood\n";
            }
            catch (Exception e) when (e is SocketException or TimeoutException or IOException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "a client served after the flood");
        Assert.False(server.HasExited);
        Assert.Equal(0, await server.StopAsync());
        var warnings = server.Stderr.Split('\n').Where(l => Regex.IsMatch(l, @"\bwarn|WARN")).ToList();
        output.WriteLine($"{warnings.Count} warnings:\n{string.Join('\n', warnings)}");
        // The server's own: the episode said once, not once per connection (Akka may add its own
        // under a loaded machine, such as a slow scheduler; those are not about descriptors).
        Assert.InRange(warnings.Count(l => l.Contains("ActorSockets.")), 1, 4);
        Assert.DoesNotContain("Out of memory", server.Stderr);
        Assert.Single(Regex.Matches(server.Stderr, "max-connections = 1000 is more than the"));
    }

    private static async Task ConnectQuietlyAsync(Socket socket, int port)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        try { await socket.ConnectAsync("127.0.0.1", port, cancel.Token); }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { /* the backlog was full: fine */ }
    }

    /// <summary>Runs the program under <c>ulimit -n <paramref name="limit"/></c> (soft and hard: it cannot raise it).</summary>
    private static Action<ProcessStartInfo> WithOpenFileLimit(int limit) => info =>
    {
        var args = info.ArgumentList.ToList();
        info.FileName = "/bin/bash";
        info.ArgumentList.Clear();
        foreach (var arg in new[] { "-c", $"ulimit -n {limit} && exec dotnet \"$@\"", "bash" }) info.ArgumentList.Add(arg);
        foreach (var arg in args) info.ArgumentList.Add(arg);
    };

    private static string Tail(string text) => text.Length < 4000 ? text : text[^4000..];
}
