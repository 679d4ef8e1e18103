using System.Text;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Connections;

/// <summary>The read rules on buffered bytes: a line, up to n, exactly n, end of stream, a
/// failure after the bytes before it, and misuse. Pure: bytes go in with Append or
/// ReceiveSpace/Commit, answers come out.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class InputBufferTests
{
    internal static string Text(object? answer) => Encoding.ASCII.GetString(Assert.IsType<ReadResult>(answer).Data);

    private static InputBuffer With(string text, int maxLineLength = 1024)
    {
        var buffer = new InputBuffer(maxLineLength);
        buffer.Append(Encoding.ASCII.GetBytes(text));
        return buffer;
    }

    [Fact]
    public void Lines_are_taken_one_at_a_time_with_their_newline_and_a_partial_line_waits()
    {
        using var buffer = With("ab\ncd\nef");
        Assert.Equal(8, buffer.Buffered);
        Assert.Equal("ab\n", Text(buffer.TryTakeLine()));
        Assert.Equal("cd\n", Text(buffer.TryTakeLine()));
        Assert.Null(buffer.TryTakeLine()); // "ef" has no newline yet and the stream goes on
        Assert.Equal(2, buffer.Buffered);
        buffer.Append("g\n"u8);
        Assert.Equal("efg\n", Text(buffer.TryTakeLine()));
        Assert.Equal(0, buffer.Buffered);
        Assert.Null(buffer.TryTakeLine());
        Assert.False(buffer.Ended);
    }

    [Fact]
    public void An_empty_line_is_its_newline()
    {
        using var buffer = With("\n\nx");
        Assert.Equal("\n", Text(buffer.TryTakeLine()));
        Assert.Equal("\n", Text(buffer.TryTakeLine()));
        Assert.Null(buffer.TryTakeLine());
        using var tight = With("\n", maxLineLength: 1);
        Assert.Equal("\n", Text(tight.TryTakeLine()));
    }

    [Fact]
    public void A_line_of_exactly_the_limit_is_taken_and_one_byte_more_fails_with_or_without_its_newline()
    {
        using (var exact = With("abc\n", maxLineLength: 4))
            Assert.Equal("abc\n", Text(exact.TryTakeLine()));
        using (var over = With("abcd\n", maxLineLength: 4))
        {
            var failed = Assert.IsType<IoFailed>(over.TryTakeLine());
            Assert.Equal(IoFailure.LineTooLong, failed.Reason);
            Assert.Equal("line longer than 4 bytes", failed.Message);
        }
        using (var noNewline = With("abcd", maxLineLength: 4)) // the limit reached without a newline: it can only get longer
            Assert.Equal(IoFailure.LineTooLong, Assert.IsType<IoFailed>(noNewline.TryTakeLine()).Reason);
        using (var under = With("abc", maxLineLength: 4))
            Assert.Null(under.TryTakeLine());
    }

    [Fact]
    public void At_a_clean_end_a_line_read_takes_the_tail_then_answers_empty_every_time()
    {
        using var buffer = With("last");
        buffer.End();
        Assert.True(buffer.Ended);
        Assert.True(buffer.EndedCleanly);
        Assert.Equal("last", Text(buffer.TryTakeLine()));
        Assert.Equal("", Text(buffer.TryTakeLine()));
        Assert.Equal("", Text(buffer.TryTakeAvailable(10)));
        Assert.Equal("", Text(buffer.TryTakeExactly(10)));
    }

    [Fact]
    public void A_failure_is_reported_once_the_bytes_before_it_are_taken_and_the_first_failure_wins()
    {
        using var buffer = With("x\ny");
        buffer.End(new IOException("reset by peer"));
        buffer.End(new IOException("second"));
        buffer.End();
        Assert.True(buffer.Ended);
        Assert.False(buffer.EndedCleanly);
        Assert.Equal("x\n", Text(buffer.TryTakeLine()));
        Assert.Equal("y", Text(buffer.TryTakeLine()));
        var failed = Assert.IsType<IoFailed>(buffer.TryTakeLine());
        Assert.Equal(IoFailure.ConnectionLost, failed.Reason);
        Assert.Equal("reset by peer", failed.Message);
        Assert.Equal(failed, buffer.TryTakeAvailable(5));
        Assert.Equal(failed, buffer.TryTakeExactly(5));
    }

    [Fact]
    public void A_clean_end_then_a_failure_is_a_failure()
    {
        using var buffer = new InputBuffer(16);
        buffer.End();
        buffer.End(new IOException("late"));
        Assert.False(buffer.EndedCleanly);
        Assert.Equal("late", Assert.IsType<IoFailed>(buffer.TryTakeAvailable(1)).Message);
    }

    [Fact]
    public void Available_takes_at_most_what_was_asked_and_waits_when_nothing_is_buffered()
    {
        using var buffer = With("0123456789");
        Assert.Equal("0123", Text(buffer.TryTakeAvailable(4)));
        Assert.Equal("456789", Text(buffer.TryTakeAvailable(100)));
        Assert.Null(buffer.TryTakeAvailable(1));
        buffer.Append("z"u8);
        Assert.Equal("z", Text(buffer.TryTakeAvailable(1)));
    }

    [Fact]
    public void Exactly_waits_for_the_whole_count_and_gives_fewer_only_at_the_end()
    {
        using var buffer = With("abcde");
        Assert.Null(buffer.TryTakeExactly(6));
        Assert.Equal("abcde", Text(buffer.TryTakeExactly(5)));
        Assert.Equal("", Text(buffer.TryTakeExactly(0))); // zero bytes are always there
        buffer.Append("xyz"u8);
        Assert.Equal("xy", Text(buffer.TryTakeExactly(2)));
        Assert.Null(buffer.TryTakeExactly(2));
        buffer.End();
        Assert.Equal("z", Text(buffer.TryTakeExactly(2)));
        Assert.Equal("", Text(buffer.TryTakeExactly(2)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ConnectionContract.MaxChunk + 1)]
    public void Available_outside_one_to_a_chunk_is_misuse(int size)
    {
        using var buffer = With("data");
        var failed = Assert.IsType<IoFailed>(buffer.TryTakeAvailable(size));
        Assert.Equal(IoFailure.Misuse, failed.Reason);
        Assert.Equal($"a single read must ask for 1..{ConnectionContract.MaxChunk} bytes, not {size}", failed.Message);
        Assert.Equal(4, buffer.Buffered); // nothing was taken
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(ConnectionContract.MaxChunk + 1)]
    public void Exactly_outside_zero_to_a_chunk_is_misuse(int size)
    {
        using var buffer = With("data");
        Assert.Equal(IoFailure.Misuse, Assert.IsType<IoFailed>(buffer.TryTakeExactly(size)).Reason);
        Assert.Equal(4, buffer.Buffered);
    }

    [Fact]
    public void A_whole_chunk_may_be_asked_for()
    {
        var chunk = new byte[ConnectionContract.MaxChunk];
        Random.Shared.NextBytes(chunk);
        using var buffer = new InputBuffer(16);
        buffer.Append(chunk);
        buffer.Append(chunk);
        Assert.Equal(chunk, Assert.IsType<ReadResult>(buffer.TryTakeAvailable(ConnectionContract.MaxChunk)).Data);
        Assert.Equal(chunk, Assert.IsType<ReadResult>(buffer.TryTakeExactly(ConnectionContract.MaxChunk)).Data);
        Assert.Equal(0, buffer.Buffered);
    }

    [Fact]
    public void TryAnswer_dispatches_each_read_request_and_ignores_anything_else()
    {
        using var buffer = With("one\ntwo\nthree");
        Assert.Equal("one\n", Text(buffer.TryAnswer(new ReadLine())));
        Assert.Equal("tw", Text(buffer.TryAnswer(new ReadAvailable(2))));
        Assert.Equal("o\nth", Text(buffer.TryAnswer(new ReadExactly(4))));
        Assert.Null(buffer.TryAnswer("not a read"));
        Assert.Equal(3, buffer.Buffered);
    }

    [Fact]
    public void TakeAll_hands_over_every_buffered_byte_and_empty_when_none()
    {
        using var buffer = With("partial line");
        Assert.Equal("partial line"u8.ToArray(), buffer.TakeAll());
        Assert.Equal(0, buffer.Buffered);
        Assert.Empty(buffer.TakeAll());
    }

    [Fact]
    public void Received_bytes_committed_into_the_receive_space_are_read_in_order_across_growth_and_compaction()
    {
        // Bytes arrive in receive-sized pieces and are partly taken in between, so the buffer
        // both compacts (taken bytes at its front) and grows (more than it holds).
        var sent = new byte[50_000];
        for (int i = 0; i < sent.Length; i++) sent[i] = (byte)(i * 7 + i / 251);
        var got = new List<byte>();
        using var buffer = new InputBuffer(100);
        int at = 0;
        while (at < sent.Length)
        {
            var space = buffer.ReceiveSpace();
            Assert.False(space.IsEmpty);
            int n = Math.Min(Math.Min(space.Length, 3000), sent.Length - at);
            sent.AsSpan(at, n).CopyTo(space.Span);
            buffer.Commit(n);
            at += n;
            Assert.Equal(at - got.Count, buffer.Buffered);
            if (at % 2 == 0) got.AddRange(Assert.IsType<ReadResult>(buffer.TryTakeAvailable(1000)).Data);
        }
        while (buffer.Buffered > 0) got.AddRange(Assert.IsType<ReadResult>(buffer.TryTakeAvailable(ConnectionContract.MaxChunk)).Data);
        Assert.Equal(sent, got.ToArray());
    }

    [Fact]
    public void Appended_bytes_survive_compaction_and_growth()
    {
        using var buffer = new InputBuffer(64);
        var expected = new List<byte>();
        var taken = new List<byte>();
        for (int round = 0; round < 40; round++)
        {
            var piece = Enumerable.Range(0, 700 + round * 37).Select(i => (byte)(i + round)).ToArray();
            buffer.Append(piece);
            expected.AddRange(piece);
            taken.AddRange(Assert.IsType<ReadResult>(buffer.TryTakeExactly(500 + round * 13)).Data);
        }
        taken.AddRange(buffer.TakeAll());
        Assert.Equal(expected, taken);
    }

    [Fact]
    public void Nothing_committed_is_nothing_buffered()
    {
        using var buffer = new InputBuffer(16);
        _ = buffer.ReceiveSpace();
        buffer.Commit(0);
        Assert.Equal(0, buffer.Buffered);
        Assert.Null(buffer.TryTakeAvailable(1));
        buffer.Append([]);
        Assert.Equal(0, buffer.Buffered);
        Assert.Null(buffer.TryTakeLine());
    }

    [Fact]
    public void Dispose_drops_what_was_buffered()
    {
        var buffer = With("unread");
        buffer.Dispose();
        Assert.Equal(0, buffer.Buffered);
        buffer.Dispose(); // twice is harmless
    }
}
