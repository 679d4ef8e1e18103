using System.Buffers;

namespace ActorSockets.Handlers;

/// <summary>Reads a frame's body length from its fixed-size header (a
/// <see cref="FrameFormat.FixedHeader"/> frame); the reader is positioned at the header's first byte.</summary>
public delegate int FrameBodyLength(ref SequenceReader<byte> header);

/// <summary>
/// How a binary protocol cuts the byte stream into frames, for
/// <see cref="StreamRequestHandler.ReadFrameAsync"/> (SuperSocket's pipeline filters): a length
/// prefix, a fixed header that gives the body's length, a begin and end mark, or a terminator.
/// A frame is cut out of the bytes the connection has received, with a
/// <see cref="SequenceReader{T}"/>, and a frame longer than <see cref="MaxFrameSize"/> fails the
/// read with <see cref="LineTooLongException"/>, counted as a line too long, as
/// <c>max-line-length</c> is: the limit is known before the frame is buffered, so a client
/// cannot make the server hold more. Immutable: build one per protocol and reuse it.
/// </summary>
public abstract class FrameFormat
{
    private protected FrameFormat(int? maxFrameSize)
    {
        if (maxFrameSize is < 1) throw new ArgumentOutOfRangeException(nameof(maxFrameSize), maxFrameSize, "must be at least 1");
        MaxFrameSize = maxFrameSize;
    }

    /// <summary>The longest frame accepted, header and marks included; null: the server's
    /// <c>MaxLineLength</c> (<c>max-line-length</c>).</summary>
    public int? MaxFrameSize { get; }

    /// <summary>A length prefix of <paramref name="prefixBytes"/> (1, 2 or 4) bytes, then the body;
    /// the frame read is the body. <paramref name="lengthIncludesPrefix"/>: the length counts the
    /// prefix too (as some protocols do).</summary>
    public static FrameFormat LengthPrefixed(int prefixBytes, bool bigEndian = true, bool lengthIncludesPrefix = false, int? maxFrameSize = null)
        => new LengthPrefixedFormat(prefixBytes, bigEndian, lengthIncludesPrefix, maxFrameSize);

    /// <summary>A header of <paramref name="headerSize"/> bytes from which
    /// <paramref name="bodyLength"/> reads the body's length; the frame read is the header and the
    /// body (the header's other fields are the handler's to read). <paramref name="bodyLength"/>
    /// runs in the connection's actor, once per frame: it must only read the header.</summary>
    public static FrameFormat FixedHeader(int headerSize, FrameBodyLength bodyLength, int? maxFrameSize = null)
        => new FixedHeaderFormat(headerSize, bodyLength, maxFrameSize);

    /// <summary>A frame that starts with <paramref name="begin"/> and ends with <paramref name="end"/>
    /// (STX ... ETX); the frame read is what is between them. Bytes before a begin mark fail the
    /// read with <see cref="InvalidDataException"/>.</summary>
    public static FrameFormat BeginEndMark(ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end, int? maxFrameSize = null)
        => new MarkedFormat(begin.ToArray(), end.ToArray(), maxFrameSize);

    /// <summary>A frame that ends with <paramref name="terminator"/> (<c>\r\n</c>, a NUL byte,
    /// <c>"##"</c>); the frame read is what comes before it. At end of stream, bytes without a
    /// terminator are a truncated frame.</summary>
    public static FrameFormat Terminator(ReadOnlySpan<byte> terminator, int? maxFrameSize = null)
        => new MarkedFormat([], terminator.ToArray(), maxFrameSize);

    /// <summary>Finds the first frame in <paramref name="buffered"/>.</summary>
    internal abstract FrameMatch Match(ReadOnlySequence<byte> buffered, int maxFrameSize);
}

/// <summary>What <see cref="FrameFormat.Match"/> found.</summary>
/// <param name="Consumed">The whole frame's length (0: more bytes are needed).</param>
/// <param name="PayloadStart">Where the frame's payload starts.</param>
/// <param name="PayloadLength">The payload's length.</param>
/// <param name="Error">The bytes cannot start a frame (not a size problem).</param>
/// <param name="TooLong">The frame is longer than the limit.</param>
internal readonly record struct FrameMatch(long Consumed, long PayloadStart, long PayloadLength, string? Error = null, bool TooLong = false)
{
    public static readonly FrameMatch NeedMore = default;
    public static readonly FrameMatch Oversized = new(0, 0, 0, TooLong: true);
    public bool Complete => Consumed > 0 || Error is not null || TooLong;
}

internal sealed class LengthPrefixedFormat : FrameFormat
{
    private readonly int _prefix;
    private readonly bool _bigEndian;
    private readonly bool _includesPrefix;

    public LengthPrefixedFormat(int prefixBytes, bool bigEndian, bool includesPrefix, int? maxFrameSize) : base(maxFrameSize)
    {
        if (prefixBytes is not (1 or 2 or 4)) throw new ArgumentOutOfRangeException(nameof(prefixBytes), prefixBytes, "a length prefix is 1, 2 or 4 bytes");
        (_prefix, _bigEndian, _includesPrefix) = (prefixBytes, bigEndian, includesPrefix);
    }

    internal override FrameMatch Match(ReadOnlySequence<byte> buffered, int maxFrameSize)
    {
        var reader = new SequenceReader<byte>(buffered);
        long length;
        switch (_prefix)
        {
            case 1:
                if (!reader.TryRead(out byte b)) return FrameMatch.NeedMore;
                length = b;
                break;
            case 2:
                short s;
                if (!(_bigEndian ? reader.TryReadBigEndian(out s) : reader.TryReadLittleEndian(out s))) return FrameMatch.NeedMore;
                length = (ushort)s;
                break;
            default:
                int i;
                if (!(_bigEndian ? reader.TryReadBigEndian(out i) : reader.TryReadLittleEndian(out i))) return FrameMatch.NeedMore;
                length = (uint)i;
                break;
        }
        long body = _includesPrefix ? length - _prefix : length;
        if (body < 0) return new FrameMatch(0, 0, 0, $"a length prefix of {length} is shorter than the prefix itself");
        if (_prefix + body > maxFrameSize) return FrameMatch.Oversized;
        return buffered.Length < _prefix + body ? FrameMatch.NeedMore : new FrameMatch(_prefix + body, _prefix, body);
    }
}

internal sealed class FixedHeaderFormat : FrameFormat
{
    private readonly int _header;
    private readonly FrameBodyLength _bodyLength;

    public FixedHeaderFormat(int headerSize, FrameBodyLength bodyLength, int? maxFrameSize) : base(maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(headerSize, 1);
        (_header, _bodyLength) = (headerSize, bodyLength ?? throw new ArgumentNullException(nameof(bodyLength)));
    }

    internal override FrameMatch Match(ReadOnlySequence<byte> buffered, int maxFrameSize)
    {
        if (buffered.Length < _header) return FrameMatch.NeedMore;
        var header = new SequenceReader<byte>(buffered.Slice(0, _header));
        long body = _bodyLength(ref header);
        if (body < 0) return new FrameMatch(0, 0, 0, $"the header gives a negative body length ({body})");
        if (_header + body > maxFrameSize) return FrameMatch.Oversized;
        return buffered.Length < _header + body ? FrameMatch.NeedMore : new FrameMatch(_header + body, 0, _header + body);
    }
}

/// <summary>A begin mark (possibly empty: a terminator), the payload, an end mark.</summary>
internal sealed class MarkedFormat : FrameFormat
{
    private readonly byte[] _begin;
    private readonly byte[] _end;

    public MarkedFormat(byte[] begin, byte[] end, int? maxFrameSize) : base(maxFrameSize)
    {
        if (end.Length == 0) throw new ArgumentException("an end mark or terminator must not be empty", nameof(end));
        (_begin, _end) = (begin, end);
    }

    internal override FrameMatch Match(ReadOnlySequence<byte> buffered, int maxFrameSize)
    {
        var reader = new SequenceReader<byte>(buffered);
        if (_begin.Length > 0)
        {
            if (!reader.IsNext(_begin.AsSpan(0, (int)Math.Min(_begin.Length, buffered.Length))))
                return new FrameMatch(0, 0, 0, "the bytes do not start with the frame's begin mark");
            if (buffered.Length < _begin.Length) return FrameMatch.NeedMore;
            reader.Advance(_begin.Length);
        }
        if (!reader.TryReadTo(out ReadOnlySequence<byte> payload, _end, advancePastDelimiter: true))
            return buffered.Length >= maxFrameSize ? FrameMatch.Oversized : FrameMatch.NeedMore;
        return reader.Consumed > maxFrameSize ? FrameMatch.Oversized : new FrameMatch(reader.Consumed, _begin.Length, payload.Length);
    }
}
