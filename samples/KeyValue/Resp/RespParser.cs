using System.Buffers.Text;

namespace KeyValue.Resp;

/// <summary>What <see cref="RespParser.TryRead"/> found.</summary>
enum RespRead
{
    /// <summary>A whole command is in <see cref="RespParser.Arguments"/>.</summary>
    Command,
    /// <summary>Not enough bytes yet: append more and try again.</summary>
    Incomplete,
    /// <summary>The bytes are not RESP: <see cref="RespParser.Error"/> says why, worded as
    /// redis-server words it; the connection is to be closed after that error.</summary>
    ProtocolError,
}

/// <summary>
/// Cuts RESP2 requests out of the bytes a connection received, as redis-server reads them: a
/// request starting with <c>*</c> is multibulk (<c>*N\r\n</c> then N times <c>$len\r\npayload\r\n</c>),
/// anything else is an inline command (one line, split like <c>sdssplitargs</c>: spaces, "double"
/// quotes with escapes, 'single' quotes). Used from one handler's thread only. Keeps the bytes of
/// several commands (a pipelined batch) and hands them out one at a time, without copying the
/// multibulk arguments: each is a slice of the parser's buffer, valid until the next
/// <see cref="Append"/>.
/// </summary>
sealed class RespParser
{
    /// <summary>redis-server's limit on an inline request (PROTO_INLINE_MAX_SIZE).</summary>
    public const int MaxInlineLength = 64 * 1024;

    /// <summary>redis-server's limit on a multibulk request's argument count.</summary>
    public const int MaxArguments = 1024 * 1024;

    /// <summary>redis-server's default proto-max-bulk-len.</summary>
    public const int MaxBulkLength = 512 * 1024 * 1024;

    private byte[] _buffer = new byte[16 * 1024];
    private int _start, _end;
    private readonly List<ReadOnlyMemory<byte>> _arguments = [];

    /// <summary>The last command read: its name first. Slices of the buffer, valid until the next <see cref="Append"/>.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Arguments => _arguments;

    /// <summary>After <see cref="RespRead.ProtocolError"/>: the error, without its <c>-</c>.</summary>
    public string Error { get; private set; } = "";

    /// <summary>How many received bytes wait for a command to complete.</summary>
    public int Buffered => _end - _start;

    /// <summary>Adds received bytes after those not read yet.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (_start == _end) _start = _end = 0;
        if (_buffer.Length - _end < data.Length)
        {
            int kept = _end - _start;
            if (_buffer.Length - kept < data.Length || _start == 0)
            {
                var grown = new byte[Math.Max(_buffer.Length * 2, kept + data.Length)];
                _buffer.AsSpan(_start, kept).CopyTo(grown);
                _buffer = grown;
            }
            else _buffer.AsSpan(_start, kept).CopyTo(_buffer);
            _start = 0;
            _end = kept;
        }
        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>Reads the next whole command into <see cref="Arguments"/>. Empty requests
    /// (<c>*0</c>, <c>*-1</c>, a blank inline line) are skipped, as redis-server skips them.</summary>
    public RespRead TryRead()
    {
        while (_start < _end)
        {
            _arguments.Clear();
            var read = _buffer[_start] == (byte)'*' ? TryReadMultibulk() : TryReadInline();
            if (read != RespRead.Command || _arguments.Count > 0) return read;
        }
        return RespRead.Incomplete;
    }

    private RespRead TryReadMultibulk()
    {
        int pos = _start;
        if (!TryReadNumberLine(ref pos, "too big mbulk count string", out var count, out var read)) return read;
        if (count > MaxArguments) return Fail("Protocol error: invalid multibulk length");
        if (count is null) return Fail("Protocol error: invalid multibulk length");
        for (long i = 0; i < count; i++)
        {
            if (pos >= _end) return RespRead.Incomplete;
            if (_buffer[pos] != (byte)'$') return Fail($"Protocol error: expected '$', got '{(char)_buffer[pos]}'");
            if (!TryReadNumberLine(ref pos, "too big bulk count string", out var length, out read)) return read;
            if (length is null or < 0 or > MaxBulkLength) return Fail("Protocol error: invalid bulk length");
            // redis-server takes the two bytes after the payload as its CRLF without looking at them.
            if (_end - pos < length + 2) return RespRead.Incomplete;
            _arguments.Add(_buffer.AsMemory(pos, (int)length));
            pos += (int)length + 2;
        }
        _start = pos; // *0 and *-1 read as nothing
        return RespRead.Command;
    }

    /// <summary>Reads <c>*N\r\n</c> or <c>$N\r\n</c> from <paramref name="pos"/> (at its mark) to
    /// after its line end. <paramref name="number"/> is null when the digits are not a number.</summary>
    private bool TryReadNumberLine(ref int pos, string tooBig, out long? number, out RespRead read)
    {
        number = null;
        var rest = _buffer.AsSpan(pos, _end - pos);
        int cr = rest.IndexOf((byte)'\r');
        if (cr < 0 || cr + 1 >= rest.Length)
        {
            read = rest.Length > MaxInlineLength ? Fail("Protocol error: " + tooBig) : RespRead.Incomplete;
            return false;
        }
        if (RespNumbers.TryParse(rest[1..cr], out long value)) number = value;
        pos += cr + 2;
        read = RespRead.Command;
        return true;
    }

    private RespRead TryReadInline()
    {
        var rest = _buffer.AsSpan(_start, _end - _start);
        int newline = rest.IndexOf((byte)'\n');
        if (newline < 0)
            return rest.Length > MaxInlineLength ? Fail("Protocol error: too big inline request") : RespRead.Incomplete;
        var line = rest[..newline];
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        if (!InlineSplitter.TrySplit(line, _arguments)) return Fail("Protocol error: unbalanced quotes in request");
        _start += newline + 1;
        return RespRead.Command;
    }

    private RespRead Fail(string error)
    {
        Error = "ERR " + error;
        _arguments.Clear();
        _start = _end; // nothing after a protocol error is read: the connection closes
        return RespRead.ProtocolError;
    }
}

/// <summary>Integers as redis-server reads them (<c>string2ll</c>): optional <c>-</c>, digits, no
/// <c>+</c>, no spaces, no leading zero, within a 64-bit signed integer.</summary>
static class RespNumbers
{
    public static bool TryParse(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 20) return false;
        if (text.Length == 1 && text[0] == (byte)'0') return true;
        bool negative = text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.Length == 0 || digits[0] is < (byte)'1' or > (byte)'9') return false;
        return Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length;
    }
}
