using System.Net.Sockets;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Datagrams;

/// <summary>socketserver's ForkingUDPServer: datagram handlers in worker processes, replies still
/// sent by the listener (which owns the socket).</summary>
[Collection(ForkingCollections.Workers)]
public class ForkingDatagramTests
{
    [Fact]
    public async Task Datagrams_are_handled_in_worker_processes_and_a_failing_one_is_supervised()
    {
        using var server = await SampleProcess.StartAsync("ActorSockets.TestServer", "--udp", "--mode", "forking", "--workers", "1");
        using var client = DatagramClient.Udp(server.Port);

        var first = await client.RoundTripAsync("hello world\n");
        var (pid, text) = Parse(first);
        Assert.Equal("hello world\n", text);
        Assert.NotEqual(server.Pid, pid);

        await client.SendAsync("boom"); // throws in the worker: reported, no reply, server goes on
        Assert.Equal((pid, "again"), Parse(await client.RoundTripAsync("again")));
        await Eventually.Until(() => server.Stderr.Contains("boom requested"), TimeSpan.FromSeconds(10), "handle_error to log the worker's failure");
        Assert.Equal(0, await server.StopAsync());
    }

    private static (int Pid, string Text) Parse(string reply)
    {
        var space = reply.IndexOf(' ');
        return (int.Parse(reply[..space]), reply[(space + 1)..]);
    }
}
