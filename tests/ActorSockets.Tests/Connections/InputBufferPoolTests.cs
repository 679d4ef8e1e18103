using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Connections;

/// <summary>The pool side of <see cref="InputBuffer"/>: memory is rented only while bytes wait,
/// grows by doubling within the limit, and every array goes back. Installs a process-wide
/// counting pool, so it runs alone.</summary>
[Collection(Measurements.Name), Trait("Category", UnitsCollection.Category)]
public class InputBufferPoolTests
{
    [Fact]
    public void An_empty_buffer_holds_no_array_and_one_emptied_gives_its_array_back()
    {
        using var pool = CountingPool.Install();
        using var buffer = new InputBuffer(1024);
        buffer.Append([]);
        Assert.Equal(0, pool.Rented); // an empty append rents nothing
        buffer.Append("a\nb"u8);
        Assert.Equal(1, pool.Outstanding);
        Assert.Equal(4096, pool.LargestAsked); // the first rental is the initial size
        _ = buffer.TryTakeLine();
        Assert.Equal(1, pool.Outstanding); // "b" still waits
        _ = buffer.TryTakeAvailable(10);
        Assert.Equal(0, pool.Outstanding);

        _ = buffer.ReceiveSpace();
        Assert.Equal(1, pool.Outstanding);
        buffer.Commit(0); // nothing arrived: the space is given back
        Assert.Equal(0, pool.Outstanding);

        buffer.Append("tail"u8);
        buffer.End();
        Assert.Equal(1, pool.Outstanding);
        Assert.Equal("tail", InputBufferTests.Text(buffer.TryTakeLine()));
        Assert.Equal(0, pool.Outstanding);
        buffer.End(); // ending an empty buffer releases nothing twice
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void Ending_an_emptied_receive_space_gives_it_back()
    {
        using var pool = CountingPool.Install();
        using var buffer = new InputBuffer(1024);
        _ = buffer.ReceiveSpace();
        Assert.Equal(1, pool.Outstanding);
        buffer.End();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Dispose_gives_back_an_array_still_holding_bytes()
    {
        using var pool = CountingPool.Install();
        var buffer = new InputBuffer(1024);
        buffer.Append("unread"u8);
        Assert.Equal(1, pool.Outstanding);
        buffer.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void A_full_buffer_doubles_and_compacting_rents_nothing()
    {
        using var pool = CountingPool.Install();
        using var buffer = new InputBuffer(100);
        buffer.Append(new byte[4000]);
        buffer.Append(new byte[96]); // fills the 4096 bytes exactly
        Assert.Equal(1, pool.Rented);
        _ = buffer.TryTakeExactly(3096); // 1000 left, 3096 free at the front
        buffer.Append(new byte[3096]);   // fits exactly once compacted
        Assert.Equal(1, pool.Rented);
        Assert.Equal(4096, buffer.Buffered);

        pool.ResetPeaks();
        buffer.Append(new byte[1]); // 4097 > 4096: grows, doubling
        Assert.Equal(2, pool.Rented);
        Assert.Equal(8192, pool.LargestAsked);
        Assert.Equal(1, pool.Outstanding); // the smaller array went back
    }

    [Fact]
    public void An_append_larger_than_double_grows_to_what_it_needs()
    {
        using var pool = CountingPool.Install();
        using var buffer = new InputBuffer(100);
        buffer.Append(new byte[10]);
        pool.ResetPeaks();
        buffer.Append(new byte[20_000]);
        Assert.Equal(20_010, pool.LargestAsked);
        Assert.Equal(20_010, buffer.Buffered);
    }

    [Fact]
    public void The_receive_space_grows_no_further_than_the_longest_read_needs()
    {
        using var pool = CountingPool.Install();
        using var buffer = new InputBuffer(maxLineLength: 100_000); // above a chunk: the line limit rules
        pool.ResetPeaks();
        while (buffer.Buffered < 100_001)
        {
            var space = buffer.ReceiveSpace();
            int n = Math.Min(space.Length, 100_001 - buffer.Buffered);
            space.Span[..n].Fill((byte)'x'); // no newline: one long line
            buffer.Commit(n);
        }
        Assert.Equal(100_001, pool.LargestAsked); // 4096, 8192, ... 65536, then the limit, not 131072
        Assert.Equal(IoFailure.LineTooLong, Assert.IsType<IoFailed>(buffer.TryTakeLine()).Reason);
    }
}
