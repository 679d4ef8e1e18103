using ActorSockets.Connections;
using ActorSockets.Metrics;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Connections;

/// <summary>The receive side's pooled memory: none held while nothing waits to be read, and
/// all given back on dispose. Installs a process-wide counting pool, so it runs alone.</summary>
[Collection(Measurements.Name), Trait("Category", UnitsCollection.Category)]
public class ReadBufferPoolTests
{
    [Fact]
    public async Task A_receive_that_finds_nothing_keeps_no_buffer()
    {
        using var pool = CountingPool.Install();
        using var pair = await SocketPair.ConnectAsync();
        pair.Server.Blocking = false;
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        Assert.False(buffer.ReceiveNow());
        Assert.Equal(1, pool.Rented); // the receive needed room
        Assert.Equal(0, pool.Outstanding); // and gave it back when nothing came
    }

    [Fact]
    public async Task Dispose_gives_back_the_buffer_of_bytes_never_read()
    {
        using var pool = CountingPool.Install();
        using var pair = await SocketPair.ConnectAsync();
        pair.Server.Blocking = false;
        var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        await pair.Client.SendAsync("unread"u8.ToArray());
        await pair.ServerHasAsync(6);
        Assert.True(buffer.ReceiveNow());
        Assert.Equal(1, pool.Outstanding);
        buffer.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }
}
