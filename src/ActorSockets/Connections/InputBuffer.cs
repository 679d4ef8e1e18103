using System.Buffers;
using ActorSockets.Handlers;

namespace ActorSockets.Connections;

/// <summary>
/// Bytes a client sent that no handler read has taken yet, and the rules by which reads take
/// them: a line, up to n bytes, exactly n bytes, end of stream, a reset reported after the
/// bytes before it. Memory is rented from the shared pool and given back as soon as the buffer
/// is empty, so an idle connection holds none. The socket side (<see cref="ReadBuffer"/>) fills
/// it from the kernel; in forking mode a worker's stand-in for the connection fills it with
/// the bytes the listener sends over. Used from one actor's thread only.
/// </summary>
internal sealed class InputBuffer(int maxLineLength) : IDisposable
{
    private const int InitialSize = 4096;

    private readonly int _capacityLimit = Math.Max(maxLineLength, ConnectionContract.MaxChunk);
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private Exception? _error;

    /// <summary>Bytes waiting to be taken.</summary>
    public int Buffered => _end - _start;

    /// <summary>The stream ended (or failed): no byte will be added.</summary>
    public bool Ended { get; private set; }

    /// <summary>The stream ended without a failure (a clean end of stream).</summary>
    public bool EndedCleanly => Ended && _error is null;

    /// <summary>Room for the next receive, growing the buffer up to the longest line or chunk a
    /// read may ask for; <see cref="Commit"/> what was received into it.</summary>
    public Memory<byte> ReceiveSpace()
    {
        MakeRoom(1, _capacityLimit + 1);
        return _buffer.AsMemory(_end);
    }

    /// <summary>Adds <paramref name="count"/> bytes received into <see cref="ReceiveSpace"/>.</summary>
    public void Commit(int count)
    {
        _end += count;
        ReleaseIfEmpty();
    }

    /// <summary>Adds bytes received elsewhere (a worker gets them from the listener).</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        MakeRoom(data.Length, int.MaxValue);
        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>No more bytes will come: end of stream, or <paramref name="error"/>, which reads
    /// report once the bytes before it are taken (like recv raising it).</summary>
    public void End(Exception? error = null)
    {
        Ended = true;
        _error ??= error;
        ReleaseIfEmpty();
    }

    /// <summary>A line with its newline, the tail at end of stream, a failure, or null (need more bytes).</summary>
    public object? TryTakeLine()
    {
        if (Buffered > 0)
        {
            int newline = _buffer.AsSpan(_start, Buffered).IndexOf((byte)'\n');
            if (newline >= 0 && newline + 1 <= maxLineLength) return Take(newline + 1);
            if (newline >= 0 || Buffered >= maxLineLength)
                return new IoFailed(IoFailure.LineTooLong, $"line longer than {maxLineLength} bytes");
        }
        return (object?)AtEnd() ?? (Ended ? Take(Buffered) : null);
    }

    /// <summary>Up to <paramref name="maxBytes"/> of what is buffered, end of stream, or null.</summary>
    public object? TryTakeAvailable(int maxBytes)
    {
        if (maxBytes < 1 || maxBytes > ConnectionContract.MaxChunk) return Misuse(maxBytes);
        if (Buffered > 0) return Take(Math.Min(maxBytes, Buffered));
        return (object?)AtEnd() ?? (Ended ? Take(0) : null);
    }

    /// <summary>Exactly <paramref name="count"/> bytes, fewer at end of stream, or null.</summary>
    public object? TryTakeExactly(int count)
    {
        if (count < 0 || count > ConnectionContract.MaxChunk) return Misuse(count);
        if (Buffered >= count) return Take(count);
        return (object?)AtEnd() ?? (Ended ? Take(Buffered) : null);
    }

    /// <summary>Up to <paramref name="maxBytes"/> of what is buffered in a pooled buffer the reader
    /// gives back (<see cref="LentRead"/>), end of stream, or null. When the read takes every
    /// buffered byte (an echo's usual case) the buffer itself changes hands: no copy, and the next
    /// receive rents another.</summary>
    public object? TryLend(int maxBytes)
    {
        if (maxBytes < 1 || maxBytes > ConnectionContract.MaxChunk) return Misuse(maxBytes);
        if (Buffered == 0) return (object?)AtEnd() ?? (Ended ? Take(0) : null);
        int count = Math.Min(maxBytes, Buffered);
        if (count == Buffered)
        {
            var whole = new LentRead(_buffer!, _start, count);
            _buffer = null;
            _start = _end = 0;
            return whole;
        }
        var part = ConnectionContract.Pool.Rent(count);
        _buffer.AsSpan(_start, count).CopyTo(part);
        _start += count;
        return new LentRead(part, 0, count);
    }

    /// <summary>One frame's payload (<see cref="FrameResult"/>), end of stream (an empty
    /// <see cref="ReadResult"/>), a failure (too long: counted as a line too long; not a frame; cut
    /// by the end of stream), or null (need more bytes).</summary>
    public object? TryTakeFrame(Handlers.FrameFormat format)
    {
        int limit = format.MaxFrameSize ?? maxLineLength;
        if (Buffered > 0)
        {
            var match = format.Match(new ReadOnlySequence<byte>(_buffer!, _start, Buffered), limit);
            if (match.TooLong) return new IoFailed(IoFailure.LineTooLong, $"frame longer than {limit} bytes");
            if (match.Error is not null) return new IoFailed(IoFailure.InvalidFrame, match.Error);
            if (match.Consumed > 0)
            {
                var payload = _buffer.AsSpan(_start + (int)match.PayloadStart, (int)match.PayloadLength).ToArray();
                _start += (int)match.Consumed;
                ReleaseIfEmpty();
                return new FrameResult(payload);
            }
            if (Ended) return _error is not null ? new IoFailed(IoFailure.ConnectionLost, _error.Message)
                : new IoFailed(IoFailure.InvalidFrame, $"the stream ended inside a frame ({Buffered} bytes of it)");
        }
        return (object?)AtEnd() ?? (Ended ? Take(0) : null);
    }

    /// <summary>Answers one of the read requests (<see cref="ReadLine"/>, <see cref="ReadAvailable"/>,
    /// <see cref="ReadExactly"/>) from what is buffered: a <see cref="ReadResult"/>, an
    /// <see cref="IoFailed"/>, or null when more bytes are needed.</summary>
    public object? TryAnswer(object read) => read switch
    {
        ReadLine => TryTakeLine(),
        ReadAvailable r => TryTakeAvailable(r.MaxBytes),
        ReadExactly r => TryTakeExactly(r.Count),
        ReadFrame r => TryTakeFrame(r.Format),
        ReadLent r => TryLend(r.MaxBytes),
        _ => null,
    };

    /// <summary>Every buffered byte (empty when none), for handing them on.</summary>
    public byte[] TakeAll() => Take(Buffered).Data;

    public void Dispose()
    {
        if (_buffer is not null) ConnectionContract.Pool.Return(_buffer);
        _buffer = null;
        _start = _end = 0;
    }

    private IoFailed? AtEnd() => Buffered == 0 && _error is not null
        ? new IoFailed(IoFailure.ConnectionLost, _error.Message)
        : null;

    private static IoFailed Misuse(int size)
        => new(IoFailure.Misuse, $"a single read must ask for 1..{ConnectionContract.MaxChunk} bytes, not {size}");

    private ReadResult Take(int count)
    {
        var data = count == 0 ? [] : _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        ReleaseIfEmpty();
        return new ReadResult(data);
    }

    private void ReleaseIfEmpty()
    {
        if (Buffered != 0) return;
        _start = _end = 0;
        if (_buffer is null) return;
        ConnectionContract.Pool.Return(_buffer);
        _buffer = null;
    }

    /// <summary>Makes room for at least <paramref name="needed"/> bytes after the buffered ones,
    /// compacting first and growing (doubling, at most to <paramref name="limit"/> unless more
    /// is needed) only when compacting is not enough.</summary>
    private void MakeRoom(int needed, int limit)
    {
        if (_buffer is null)
        {
            _buffer = ConnectionContract.Pool.Rent(Math.Max(InitialSize, needed));
            return;
        }
        if (_buffer.Length - _end >= needed) return;
        if (_buffer.Length - Buffered >= needed && _start > 0)
        {
            _buffer.AsSpan(_start, Buffered).CopyTo(_buffer);
        }
        else
        {
            int size = Math.Max(Buffered + needed, Math.Min(_buffer.Length * 2, limit));
            var bigger = ConnectionContract.Pool.Rent(size);
            _buffer.AsSpan(_start, Buffered).CopyTo(bigger);
            ConnectionContract.Pool.Return(_buffer);
            _buffer = bigger;
        }
        _end = Buffered;
        _start = 0;
    }
}
