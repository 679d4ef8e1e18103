using System.Net.Sockets;
using System.Text;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;

namespace ActorSockets.Tests.Connections;

/// <summary>
/// The receive side over a real TCP connection: non-blocking receives, the zero-byte wait that
/// tells the connection when bytes came, end of stream and resets, the read-ahead handed to a
/// worker; and the same over a stream (as TLS reads it). An inbox plays the connection actor:
/// it gets the <see cref="ReadBuffer.Readable"/> notices.
/// </summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ReadBufferTests
{
    private readonly RecordingRef _self = new("connection");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _name = $"rb-{Guid.NewGuid():N}";

    private static string Line(ReadBuffer buffer) => InputBufferTests.Text(buffer.TryAnswer(new ReadLine()));

    private static Task SendAsync(SocketPair pair, string text) => pair.Client.SendAsync(Encoding.ASCII.GetBytes(text));

    private static async Task<SocketPair> NonBlockingAsync()
    {
        var pair = await SocketPair.ConnectAsync();
        pair.Server.Blocking = false;
        return pair;
    }

    /// <summary>Waits until the server side is readable: bytes, the client's end, or a reset.</summary>
    private static Task ReadableAsync(SocketPair pair) => Eventually.Until(() => pair.Server.Poll(0, SelectMode.SelectRead), Wait, "the server side to be readable");

    /// <summary>Receives as the connection actor does: now if the bytes are there, else after waiting for them.</summary>
    private void ReceiveSoon(ReadBuffer buffer)
    {
        if (buffer.ReceiveNow()) return;
        buffer.WaitForData(_self);
        buffer.OnReadable(_self.Expect<ReadBuffer.Readable>());
        Assert.True(buffer.ReceiveNow());
    }

    [Fact]
    public async Task Bytes_the_kernel_holds_are_taken_without_waiting_and_counted()
    {
        using var pair = await NonBlockingAsync();
        using var metrics = new MetricsCollector(_name);
        using var buffer = new ReadBuffer(pair.Server, 1024, new ServerMetrics(_name, "tcp"));
        Assert.False(buffer.ReceiveNow()); // nothing yet: would block
        Assert.Null(buffer.TryAnswer(new ReadLine()));

        await SendAsync(pair, "hello\nwor");
        await pair.ServerHasAsync(9);
        Assert.True(buffer.ReceiveNow());
        Assert.Equal("hello\n", Line(buffer));
        Assert.Null(buffer.TryAnswer(new ReadLine()));
        Assert.Equal(9, metrics.Sum(ActorSocketsMetrics.NetworkIo, ActorSocketsMetrics.DirectionTag, "receive"));

        pair.Client.Shutdown(SocketShutdown.Send);
        await ReadableAsync(pair);
        Assert.True(buffer.ReceiveNow()); // the end of stream is news
        Assert.Equal("wor", Line(buffer));
        Assert.Equal("", Line(buffer));
        Assert.False(buffer.ReceiveNow()); // ended: nothing more to take
    }

    [Fact]
    public async Task The_wait_tells_the_connection_when_bytes_come_and_only_once()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        buffer.WaitForData(_self);
        buffer.WaitForData(_self); // already waiting: no second wait
        await SendAsync(pair, "ping\n");
        await pair.ServerHasAsync(5);
        Assert.False(buffer.ReceiveNow()); // not while the wait is out
        var readable = _self.Expect<ReadBuffer.Readable>();
        Assert.Null(readable.Error);
        buffer.OnReadable(readable);
        Assert.True(buffer.ReceiveNow());
        Assert.Equal("ping\n", Line(buffer));

        buffer.WaitForData(_self); // the socket is empty again: this wait is out until the next bytes
        await SendAsync(pair, "pong\n");
        buffer.OnReadable(_self.Expect<ReadBuffer.Readable>());
        _self.ExpectNothingYet(); // one notice per wait
        Assert.True(buffer.ReceiveNow());
        Assert.Equal("pong\n", Line(buffer));
    }

    [Fact]
    public async Task A_wait_for_bytes_already_there_is_answered_at_once()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        await SendAsync(pair, "here\n");
        await pair.ServerHasAsync(5);
        buffer.WaitForData(_self);
        var readable = _self.Expect<ReadBuffer.Readable>();
        Assert.Null(readable.Error);
        buffer.OnReadable(readable);
        Assert.True(buffer.ReceiveNow());
        Assert.Equal("here\n", Line(buffer));
    }

    [Fact]
    public async Task After_the_end_there_is_nothing_to_wait_for()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        pair.Client.Shutdown(SocketShutdown.Send);
        await ReadableAsync(pair);
        Assert.True(buffer.ReceiveNow());
        buffer.WaitForData(_self);
        _self.ExpectNothingYet(); // ended: no wait, no notice
    }

    [Fact]
    public async Task A_reset_is_reported_after_the_bytes_before_it()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        await SendAsync(pair, "last words\n");
        await pair.ServerHasAsync(11);
        Assert.True(buffer.ReceiveNow());
        pair.ResetClient();
        await ReadableAsync(pair);
        Assert.True(buffer.ReceiveNow());
        Assert.Equal("last words\n", Line(buffer));
        var failed = Assert.IsType<IoFailed>(buffer.TryAnswer(new ReadLine()));
        Assert.Equal(IoFailure.ConnectionLost, failed.Reason);
        Assert.False(buffer.ReceiveNow());
    }

    [Fact]
    public async Task A_wait_that_fails_ends_the_stream_with_its_error()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        buffer.WaitForData(_self);
        pair.ResetClient();
        var readable = _self.Expect<ReadBuffer.Readable>();
        buffer.OnReadable(readable);
        if (readable.Error is null) Assert.True(buffer.ReceiveNow()); // the wait saw readable: the receive sees the reset
        Assert.Equal(IoFailure.ConnectionLost, Assert.IsType<IoFailed>(buffer.TryAnswer(new ReadAvailable(10))).Reason);

        buffer.OnReadable(new ReadBuffer.Readable(new SocketException((int)SocketError.ConnectionAborted)));
        Assert.False(buffer.ReceiveNow());
    }

    [Fact]
    public async Task A_wait_aborted_by_closing_the_socket_ends_the_stream_without_another_receive()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        buffer.WaitForData(_self);
        pair.Server.Dispose(); // the connection closing under the wait
        var readable = _self.Expect<ReadBuffer.Readable>();
        Assert.IsType<SocketException>(readable.Error);
        buffer.OnReadable(readable);
        Assert.False(buffer.ReceiveNow()); // ended: the closed socket is not touched again
        Assert.Equal(IoFailure.ConnectionLost, Assert.IsType<IoFailed>(buffer.TryAnswer(new ReadLine())).Reason);
    }

    [Fact]
    public async Task A_failed_wait_reported_to_the_buffer_ends_it_with_that_error()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        buffer.OnReadable(new ReadBuffer.Readable(new IOException("wait aborted")));
        Assert.Equal(new IoFailed(IoFailure.ConnectionLost, "wait aborted"), buffer.TryAnswer(new ReadLine()));
        Assert.False(buffer.ReceiveNow());
    }

    [Fact]
    public async Task The_read_ahead_takes_what_the_kernel_holds_and_says_whether_the_client_ended()
    {
        using (var pair = await NonBlockingAsync())
        using (var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed))
        {
            await SendAsync(pair, "abc");
            await pair.ServerHasAsync(3);
            Assert.Equal(("abc", false), Ahead(buffer.TakeReadAhead()));
            Assert.Equal(("", false), Ahead(buffer.TakeReadAhead()));
            await SendAsync(pair, "def");
            pair.Client.Shutdown(SocketShutdown.Send);
            await ReadableAsync(pair);
            Assert.Equal(("def", true), Ahead(buffer.TakeReadAhead()));
        }
        using (var pair = await NonBlockingAsync())
        using (var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed))
        {
            await SendAsync(pair, "xyz");
            await pair.ServerHasAsync(3);
            Assert.True(buffer.ReceiveNow());
            pair.ResetClient();
            await ReadableAsync(pair);
            Assert.Equal(("xyz", false), Ahead(buffer.TakeReadAhead())); // a reset is no clean end
            Assert.Equal(IoFailure.ConnectionLost, Assert.IsType<IoFailed>(buffer.TryAnswer(new ReadLine())).Reason); // kept for the worker's next read
        }
    }

    private static (string, bool) Ahead((byte[] Data, bool Ended) ahead) => (Encoding.ASCII.GetString(ahead.Data), ahead.Ended);

    [Fact]
    public async Task Filling_receives_until_a_chunk_is_buffered_and_no_further()
    {
        using var pair = await SocketPair.ConnectAsync(serverReceiveBuffer: 1024 * 1024);
        pair.Server.Blocking = false;
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        var sent = new byte[ConnectionContract.MaxChunk + 100];
        Random.Shared.NextBytes(sent);
        await pair.Client.SendAsync(sent);
        await pair.ServerHasAsync(sent.Length);
        buffer.FillNow(ConnectionContract.MaxChunk); // receives of 4, 4, 8, 16 and 32 KiB: the buffer's growth
        Assert.Equal(100, pair.Server.Available); // stopped at the chunk, the rest left in the kernel
        var first = Assert.IsType<ReadResult>(buffer.TryAnswer(new ReadExactly(ConnectionContract.MaxChunk))).Data;
        Assert.Equal(sent.AsSpan(0, ConnectionContract.MaxChunk).ToArray(), first);
        Assert.Null(buffer.TryAnswer(new ReadAvailable(1)));
    }

    [Fact]
    public async Task Over_a_stream_reads_are_taken_when_done_and_waited_for_otherwise()
    {
        using var pair = await SocketPair.ConnectAsync(); // a NetworkStream needs a blocking socket
        using var metrics = new MetricsCollector(_name);
        await using var stream = new NetworkStream(pair.Server, ownsSocket: false);
        using var buffer = new ReadBuffer(pair.Server, 1024, new ServerMetrics(_name, "tcp"), stream);
        Assert.False(buffer.ReceiveNow()); // a read is under way, nothing came
        Assert.False(buffer.ReceiveNow()); // still the same read
        buffer.WaitForData(_self);
        await SendAsync(pair, "over tls\n");
        buffer.OnReadable(_self.Expect<ReadBuffer.Readable>());
        Assert.True(buffer.ReceiveNow());
        Assert.Equal("over tls\n", Line(buffer));
        Assert.Equal(9, metrics.Sum(ActorSocketsMetrics.NetworkIo, ActorSocketsMetrics.DirectionTag, "receive"));

        await SendAsync(pair, "more\n");
        await pair.ServerHasAsync(5);
        ReceiveSoon(buffer);
        Assert.Equal("more\n", Line(buffer));

        pair.Client.Shutdown(SocketShutdown.Send);
        ReceiveSoon(buffer);
        Assert.Equal("", Line(buffer));
        Assert.False(buffer.ReceiveNow());
        buffer.WaitForData(_self); // ended: no wait
        _self.ExpectNothingYet();
    }

    [Fact]
    public async Task Over_a_stream_a_failed_read_ends_the_stream_with_its_error()
    {
        using var pair = await SocketPair.ConnectAsync();
        await using var stream = new NetworkStream(pair.Server, ownsSocket: false);
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed, stream);
        Assert.False(buffer.ReceiveNow());
        pair.ResetClient();
        ReceiveSoon(buffer);
        var failed = Assert.IsType<IoFailed>(buffer.TryAnswer(new ReadLine()));
        Assert.Equal(IoFailure.ConnectionLost, failed.Reason);
        Assert.Contains("reset", failed.Message, StringComparison.OrdinalIgnoreCase); // the read's own error, not a stand-in
    }

    [Fact]
    public async Task Over_a_stream_a_wait_with_bytes_at_hand_takes_them_and_says_so()
    {
        using var pair = await SocketPair.ConnectAsync();
        await using var stream = new NetworkStream(pair.Server, ownsSocket: false);
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed, stream);
        await SendAsync(pair, "ready\n");
        await pair.ServerHasAsync(6);
        buffer.WaitForData(_self); // no read under way: the wait reads, and the bytes are there
        var readable = _self.Expect<ReadBuffer.Readable>();
        Assert.Null(readable.Error);
        buffer.OnReadable(readable);
        Assert.Equal("ready\n", Line(buffer)); // taken by the wait itself
    }

    [Fact]
    public async Task Over_a_stream_a_wait_with_nothing_at_hand_is_told_when_bytes_come()
    {
        using var pair = await SocketPair.ConnectAsync();
        await using var stream = new NetworkStream(pair.Server, ownsSocket: false);
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed, stream);
        buffer.WaitForData(_self);
        await SendAsync(pair, "later\n");
        buffer.OnReadable(_self.Expect<ReadBuffer.Readable>());
        Assert.True(buffer.ReceiveNow());
        Assert.Equal("later\n", Line(buffer));
    }

    [Fact]
    public async Task A_wait_on_a_closed_socket_reports_the_failure()
    {
        using var pair = await NonBlockingAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed);
        pair.Server.Dispose();
        buffer.WaitForData(_self);
        var readable = _self.Expect<ReadBuffer.Readable>();
        Assert.IsType<ObjectDisposedException>(readable.Error);
        buffer.OnReadable(readable);
        Assert.Equal(IoFailure.ConnectionLost, Assert.IsType<IoFailed>(buffer.TryAnswer(new ReadLine())).Reason);
    }

    [Fact]
    public async Task Over_a_closed_stream_the_read_fails_at_once()
    {
        using var pair = await SocketPair.ConnectAsync();
        var stream = new NetworkStream(pair.Server, ownsSocket: false);
        await stream.DisposeAsync();
        using var buffer = new ReadBuffer(pair.Server, 1024, ServerMetrics.Unnamed, stream);
        Assert.True(buffer.ReceiveNow());
        Assert.Equal(IoFailure.ConnectionLost, Assert.IsType<IoFailed>(buffer.TryAnswer(new ReadLine())).Reason);
    }
}
