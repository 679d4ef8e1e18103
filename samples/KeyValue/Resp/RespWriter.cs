using System.Buffers;
using System.Buffers.Text;
using System.Text;
using KeyValue.Store;

namespace KeyValue.Resp;

/// <summary>Encodes replies in RESP2 into a buffer the handler sends once per batch.</summary>
static class RespWriter
{
    private static readonly byte[] Nil = "$-1\r\n"u8.ToArray();
    private static readonly byte[] Ok = "+OK\r\n"u8.ToArray();
    private static readonly byte[] Pong = "+PONG\r\n"u8.ToArray();

    /// <summary>Appends <paramref name="reply"/> to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, IStoreReply reply)
    {
        switch (reply)
        {
            case BulkReply bulk:
                WriteBulk(output, bulk.Value);
                break;
            case IntegerReply integer:
                WriteNumber(output, (byte)':', integer.Value);
                break;
            case OkReply or QuitReply:
                output.Write(Ok);
                break;
            case StatusReply status when ReferenceEquals(status, StatusReply.Pong):
                output.Write(Pong);
                break;
            case StatusReply status:
                WriteLine(output, '+', status.Text);
                break;
            case BulksReply bulks:
                WriteNumber(output, (byte)'*', bulks.Values.Length);
                foreach (var value in bulks.Values) WriteBulk(output, value);
                break;
            case ErrorReply error:
                WriteLine(output, '-', error.Message);
                break;
            default:
                throw new ArgumentException($"no RESP encoding for {reply.GetType().Name}", nameof(reply));
        }
    }

    private static void WriteBulk(IBufferWriter<byte> output, byte[]? value)
    {
        if (value is null)
        {
            output.Write(Nil);
            return;
        }
        WriteNumber(output, (byte)'$', value.Length);
        output.Write(value);
        output.Write("\r\n"u8);
    }

    private static void WriteNumber(IBufferWriter<byte> output, byte mark, long value)
    {
        var span = output.GetSpan(23);
        span[0] = mark;
        Utf8Formatter.TryFormat(value, span[1..], out int written);
        span[written + 1] = (byte)'\r';
        span[written + 2] = (byte)'\n';
        output.Advance(written + 3);
    }

    /// <summary>A status or error line; a line break inside would end it early, so it becomes a
    /// space, as redis-server does.</summary>
    private static void WriteLine(IBufferWriter<byte> output, char mark, string text)
    {
        var line = (mark + text).Replace('\r', ' ').Replace('\n', ' ') + "\r\n";
        output.Write(Encoding.Latin1.GetBytes(line));
    }
}
