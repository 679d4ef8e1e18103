using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Connections;

/// <summary>
/// The send side over a real TCP connection: writes go out in order, gathered while a send is
/// under way; the limit counts every byte not yet in the kernel; flushes are answered when all
/// is sent or when the connection failed. An inbox plays the connection actor: it gets
/// the <see cref="WriteQueue.Sent"/> reports and hands them back, as the actor does.
/// </summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class WriteQueueTests
{
    private readonly RecordingRef _self = new("connection");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const int Big = 1024 * 1024; // far more than the small send buffer below and the client's unread receive buffer hold

    private readonly string _name = $"wq-{Guid.NewGuid():N}";

    private static byte[] Bytes(int count, int seed)
    {
        var data = new byte[count];
        for (int i = 0; i < count; i++) data[i] = (byte)(i * 31 + seed + i / 997);
        return data;
    }

    /// <summary>A pair whose server side has a small send buffer (and so no autotuning), so a
    /// big write cannot be taken by the kernel at once while the client does not read. (The
    /// client's receive buffer stays as it is: one smaller than a loopback segment would stall
    /// the transfer in TCP's silly-window avoidance.)</summary>
    private static async Task<SocketPair> SmallBuffersAsync(bool blocking = false)
    {
        var pair = await SocketPair.ConnectAsync();
        pair.Server.SendBufferSize = 4096;
        pair.Server.Blocking = blocking;
        return pair;
    }

    /// <summary>Hands each send report back to the queue, as the connection actor does, until it is idle.</summary>
    private void DeliverReportsUntilIdle(WriteQueue queue)
    {
        while (!queue.IsIdle)
        {
            var sent = _self.Expect<WriteQueue.Sent>();
            Assert.Null(sent.Error);
            queue.OnSent(sent, _self);
        }
    }

    private double Transmitted(MetricsCollector metrics) => metrics.Sum(ActorSocketsMetrics.NetworkIo, ActorSocketsMetrics.DirectionTag, "transmit");

    [Fact]
    public async Task Small_writes_go_straight_to_the_kernel_in_order_and_a_flush_is_answered_at_once()
    {
        using var pair = await SocketPair.ConnectAsync();
        pair.Server.Blocking = false;
        using var metrics = new MetricsCollector(_name);
        var queue = new WriteQueue(pair.Server, 1024, new ServerMetrics(_name, "tcp"));
        Assert.True(queue.IsIdle);
        queue.Flush(_self, _self);
        _self.ExpectNow(Flushed.Instance);

        Assert.True(queue.Enqueue("ab"u8.ToArray(), _self));
        Assert.True(queue.Enqueue([], _self));
        Assert.True(queue.Enqueue("cd"u8.ToArray(), _self));
        Assert.True(queue.IsIdle);
        Assert.Equal(0, queue.PendingBytes);
        Assert.Equal("abcd"u8.ToArray(), await SocketPair.ReceiveExactlyAsync(pair.Client, 4));
        Assert.Equal(4, Transmitted(metrics));
        queue.Flush(_self, _self);
        _self.ExpectNow(Flushed.Instance);
    }

    [Fact]
    public async Task A_write_past_the_limit_is_refused_and_one_at_the_limit_is_taken()
    {
        using var pair = await SocketPair.ConnectAsync();
        pair.Server.Blocking = false;
        var queue = new WriteQueue(pair.Server, 1024, ServerMetrics.Unnamed);
        Assert.False(queue.Enqueue(new byte[1025], _self));
        Assert.Equal(0, queue.PendingBytes);
        var exact = Bytes(1024, 1);
        Assert.True(queue.Enqueue(exact, _self));
        pair.Server.Shutdown(SocketShutdown.Send);
        Assert.Equal(exact, await SocketPair.ReceiveExactlyAsync(pair.Client, 1024));
        Assert.Equal(0, await pair.Client.ReceiveAsync(new byte[1])); // and nothing of the refused write
    }

    [Fact]
    public async Task Writes_while_a_send_is_under_way_are_gathered_and_counted_against_the_limit()
    {
        using var pair = await SmallBuffersAsync();
        using var metrics = new MetricsCollector(_name);
        int limit = 2 * Big;
        var queue = new WriteQueue(pair.Server, limit, new ServerMetrics(_name, "tcp"));
        var first = Bytes(Big, 1);
        Assert.True(queue.Enqueue(first, _self));
        Assert.False(queue.IsIdle); // the kernel took only part of it
        Assert.Equal(Big, queue.PendingBytes);

        var second = Bytes(1000, 2);
        var third = Bytes(3000, 3);
        Assert.True(queue.Enqueue(second, _self));
        Assert.True(queue.Enqueue(third, _self));
        Assert.Equal(Big + 4000, queue.PendingBytes);
        Assert.False(queue.Enqueue(new byte[limit - queue.PendingBytes + 1], _self));
        Assert.Equal(Big + 4000, queue.PendingBytes);
        var fourth = Bytes(limit - queue.PendingBytes, 4);
        Assert.True(queue.Enqueue(fourth, _self)); // exactly at the limit
        Assert.Equal(limit, queue.PendingBytes);
        var waiter = new RecordingRef("waiter");
        queue.Flush(waiter, _self);

        var expected = (byte[])[.. first, .. second, .. third, .. fourth];
        var receiving = SocketPair.ReceiveExactlyAsync(pair.Client, expected.Length);
        DeliverReportsUntilIdle(queue);
        waiter.ExpectNow(Flushed.Instance);
        Assert.Equal(expected, await receiving);
        Assert.Equal(0, queue.PendingBytes);
        Assert.Equal(expected.Length, Transmitted(metrics));
    }

    [Fact]
    public async Task A_send_that_fails_fails_the_waiting_flushes_and_every_later_one()
    {
        using var pair = await SmallBuffersAsync();
        using var metrics = new MetricsCollector(_name);
        var queue = new WriteQueue(pair.Server, 2 * Big, new ServerMetrics(_name, "tcp"));
        Assert.True(queue.Enqueue(Bytes(Big, 1), _self));
        Assert.True(queue.Enqueue(Bytes(10, 2), _self)); // queued behind the send
        var waiter = new RecordingRef("waiter");
        queue.Flush(waiter, _self);

        pair.ResetClient();
        var sent = _self.Expect<WriteQueue.Sent>();
        var error = Assert.IsAssignableFrom<SocketException>(sent.Error); // the send's own error
        queue.OnSent(sent, _self);
        var failed = waiter.ExpectNow<IoFailed>();
        Assert.Equal(new IoFailed(IoFailure.ConnectionLost, error.Message), failed);
        Assert.True(queue.IsIdle);
        Assert.Equal(0, queue.PendingBytes); // the queued write was dropped

        Assert.True(queue.Enqueue(Bytes(10, 3), _self)); // taken and dropped: the next flush tells
        Assert.Equal(0, queue.PendingBytes);
        queue.Flush(_self, _self);
        Assert.Equal(failed, _self.ExpectNow<IoFailed>());
        Assert.Equal(0, Transmitted(metrics)); // a failed send is not counted as sent
    }

    [Fact]
    public async Task A_send_the_kernel_refuses_at_once_fails_the_next_flush()
    {
        using var pair = await SocketPair.ConnectAsync();
        pair.Server.Blocking = false;
        var queue = new WriteQueue(pair.Server, 1024, ServerMetrics.Unnamed);
        pair.ResetClient();
        await Eventually.Until(() => pair.Server.Poll(0, SelectMode.SelectRead), Wait, "the reset to arrive");
        Assert.True(queue.Enqueue("late"u8.ToArray(), _self));
        Assert.True(queue.IsIdle);
        queue.Flush(_self, _self);
        var failed = _self.ExpectNow<IoFailed>();
        Assert.Equal(IoFailure.ConnectionLost, failed.Reason);
        Assert.NotEqual("the connection closed", failed.Message); // the socket's own error
    }

    [Fact]
    public async Task Closing_drops_what_is_queued_and_tells_the_flush_waiters_the_connection_is_gone()
    {
        using var pair = await SmallBuffersAsync();
        var queue = new WriteQueue(pair.Server, 2 * Big, ServerMetrics.Unnamed);
        Assert.True(queue.Enqueue(Bytes(Big, 1), _self));
        Assert.True(queue.Enqueue(Bytes(100, 2), _self));
        Assert.Equal(Big + 100, queue.PendingBytes);
        var waiter = new RecordingRef("waiter");
        queue.Flush(waiter, _self);
        queue.Flush(waiter, _self);

        queue.Discard();
        Assert.Equal(Big, queue.PendingBytes); // what the send has is beyond recall
        queue.FailWaiters();
        Assert.Equal(new IoFailed(IoFailure.ConnectionLost, "the connection closed"), waiter.ExpectNow<IoFailed>());
        Assert.Equal(new IoFailed(IoFailure.ConnectionLost, "the connection closed"), waiter.ExpectNow<IoFailed>());
        queue.FailWaiters(); // told once only
        waiter.ExpectNothingYet();
    }

    [Fact]
    public async Task Over_a_stream_writes_are_gathered_into_one_stream_write()
    {
        using var pair = await SmallBuffersAsync(blocking: true); // a NetworkStream needs a blocking socket
        using var metrics = new MetricsCollector(_name);
        await using var stream = new NetworkStream(pair.Server, ownsSocket: false);
        var queue = new WriteQueue(pair.Server, 2 * Big, new ServerMetrics(_name, "tcp"), stream);
        Assert.True(queue.Enqueue("hi"u8.ToArray(), _self)); // small: the stream write completes at once
        Assert.True(queue.IsIdle);
        Assert.Equal("hi"u8.ToArray(), await SocketPair.ReceiveExactlyAsync(pair.Client, 2));
        Assert.Equal(2, Transmitted(metrics));

        var first = Bytes(Big, 1);
        var second = Bytes(500, 2);
        var third = Bytes(700, 3);
        Assert.True(queue.Enqueue(first, _self));
        Assert.False(queue.IsIdle);
        Assert.True(queue.Enqueue(second, _self));
        Assert.True(queue.Enqueue(third, _self));
        Assert.Equal(Big + 1200, queue.PendingBytes);
        var expected = (byte[])[.. first, .. second, .. third];
        var receiving = SocketPair.ReceiveExactlyAsync(pair.Client, expected.Length);
        DeliverReportsUntilIdle(queue);
        Assert.Equal(expected, await receiving);
        Assert.Equal(2 + expected.Length, Transmitted(metrics));
    }

    [Fact]
    public async Task Over_a_stream_a_failed_write_fails_the_flush()
    {
        using var pair = await SmallBuffersAsync(blocking: true);
        await using var stream = new NetworkStream(pair.Server, ownsSocket: false);
        var queue = new WriteQueue(pair.Server, 2 * Big, ServerMetrics.Unnamed, stream);
        Assert.True(queue.Enqueue(Bytes(Big, 1), _self));
        pair.ResetClient();
        var sent = _self.Expect<WriteQueue.Sent>();
        Assert.IsAssignableFrom<IOException>(sent.Error); // the stream's own error, not a stand-in
        queue.OnSent(sent, _self);
        queue.Flush(_self, _self);
        Assert.Equal(IoFailure.ConnectionLost, _self.ExpectNow<IoFailed>().Reason);
    }

    [Fact]
    public async Task A_flush_waiter_is_answered_once()
    {
        using var pair = await SmallBuffersAsync();
        var queue = new WriteQueue(pair.Server, 2 * Big, ServerMetrics.Unnamed);
        var waiter = new RecordingRef("waiter");
        Assert.True(queue.Enqueue(Bytes(Big, 1), _self));
        queue.Flush(waiter, _self);
        var receiving = SocketPair.ReceiveExactlyAsync(pair.Client, Big);
        DeliverReportsUntilIdle(queue);
        waiter.ExpectNow(Flushed.Instance);
        await receiving;

        Assert.True(queue.Enqueue(Bytes(Big, 2), _self)); // another send that waits, with no flush asked
        Assert.False(queue.IsIdle);
        receiving = SocketPair.ReceiveExactlyAsync(pair.Client, Big);
        DeliverReportsUntilIdle(queue);
        await receiving;
        waiter.ExpectNothingYet(); // no second Flushed came first
    }

    [Fact]
    public async Task A_send_on_a_closed_socket_is_reported_as_failed()
    {
        using var pair = await SocketPair.ConnectAsync();
        pair.Server.Blocking = false;
        var queue = new WriteQueue(pair.Server, 1024, ServerMetrics.Unnamed);
        pair.Server.Dispose();
        Assert.True(queue.Enqueue("x"u8.ToArray(), _self));
        var sent = _self.Expect<WriteQueue.Sent>();
        Assert.IsType<ObjectDisposedException>(sent.Error);
        queue.OnSent(sent, _self);
        queue.Flush(_self, _self);
        Assert.Equal(IoFailure.ConnectionLost, _self.ExpectNow<IoFailed>().Reason);
    }

    [Fact]
    public async Task A_write_on_a_closed_stream_is_reported_as_failed()
    {
        using var pair = await SocketPair.ConnectAsync();
        var stream = new NetworkStream(pair.Server, ownsSocket: false);
        await stream.DisposeAsync();
        var queue = new WriteQueue(pair.Server, 1024, ServerMetrics.Unnamed, stream);
        Assert.True(queue.Enqueue("x"u8.ToArray(), _self));
        var sent = _self.Expect<WriteQueue.Sent>();
        Assert.IsType<ObjectDisposedException>(sent.Error);
    }
}
