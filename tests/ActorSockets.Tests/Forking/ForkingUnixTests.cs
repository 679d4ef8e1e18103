using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Forking;

/// <summary>Forking mode on Unix sockets, with real worker processes: a stream connection is
/// handed to the worker whole; a datagram is handled in the worker and its reply reaches the
/// path the client bound.</summary>
[Collection(ForkingCollections.Workers)]
public class ForkingUnixTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_unix_stream_connection_is_handed_to_a_worker_process()
    {
        var path = UnixPaths.New();
        try
        {
            using var server = await SampleProcess.StartAsync(ForkingServers.Program, "--unix", path, "--mode", "forking", "--workers", "1");
            using (var client = await TestClient.ConnectUnixAsync(path))
            {
                await client.SendAsync("where\n");
                var reply = Regex.Match(await client.ReadLineAsync(Deadline), @"^(\d+) (\w+)\n$");
                Assert.Equal("handoff", reply.Groups[2].Value);
                Assert.NotEqual(server.Pid, int.Parse(reply.Groups[1].Value));
                await client.SendAsync("hello\n");
                Assert.Equal($"{reply.Groups[1].Value} hello\n", await client.ReadLineAsync(Deadline));
                client.HalfClose();
                Assert.True(await client.IsClosedByServerAsync(Deadline));
            }
            Assert.Equal(0, await server.StopAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_unix_datagram_is_handled_in_a_worker_and_the_reply_reaches_the_clients_bound_path()
    {
        var path = UnixPaths.New();
        try
        {
            using var server = await SampleProcess.StartAsync(ForkingServers.Program, "--unix", path, "--udp", "--mode", "forking", "--workers", "1");
            using var client = DatagramClient.Unix(path, bind: true);
            var reply = Regex.Match(await client.RoundTripAsync("hello over a unix datagram"), @"^(\d+) (.*)$");
            Assert.Equal("hello over a unix datagram", reply.Groups[2].Value);
            Assert.NotEqual(server.Pid, int.Parse(reply.Groups[1].Value)); // handled in the worker
            Assert.Equal(0, await server.StopAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
