using System.Buffers;
using System.Text;
using System.Text.Unicode;
using ActorSockets.Handlers;

/// <summary>
/// One caller of the menu line. Messages are UTF-8 lines; a caller that never sends a newline
/// (a Python client that sends bare <c>conn.send(b'0')</c>) is served one read as one message,
/// as a plain socketserver handler reading once would serve it. The first read decides which: if it holds a newline the connection is
/// line-framed from then on, so lines split across TCP segments are joined again.
/// </summary>
sealed class MenuHandler : StreamRequestHandler
{
    /// <summary>Sent on connect: the menu.</summary>
    public const string Welcome = "欢迎致电10086,请输入1xxx,0转人工服务.";

    /// <summary>The answer to <c>0</c>: the call goes to an operator.</summary>
    public const string Operator = "通话可能会被录音,正在为您转接人工服务.";

    /// <summary>The answer to anything else, after the caller's input quoted back.</summary>
    public const string EnterAgain = "请重新输入.";

    /// <summary>A line longer than this is answered as it stands instead of growing a buffer.</summary>
    private const int MaxMessageBytes = 4096;

    private readonly List<byte> _carry = [];
    private bool? _lineFramed;

    protected override async Task HandleAsync()
    {
        await WriteAsync(Welcome + "\n");
        while (await ReadMessagesAsync() is { } messages)
        {
            foreach (var message in messages)
            {
                if (message == "exit") return;
                await WriteAsync(Answer(message) + "\n");
            }
        }
    }

    private static string Answer(string message) => message switch
    {
        "0" => Operator,
        "" => EnterAgain,
        _ => $"您输入的是\"{message}\",{EnterAgain}",
    };

    /// <summary>The messages one read completes (possibly none); null once the caller hung up.</summary>
    private async Task<List<string>?> ReadMessagesAsync()
    {
        var chunk = await ReceiveAsync(1024);
        if (chunk.Length == 0)
            return _carry.Count > 0 ? [Decode([.. _carry])] : null; // a last line without newline still counts
        _lineFramed ??= chunk.AsSpan().Contains((byte)'\n');
        _carry.AddRange(chunk);
        var messages = new List<string>();
        if (_lineFramed == true)
        {
            int newline;
            while ((newline = _carry.IndexOf((byte)'\n')) >= 0)
            {
                messages.Add(Decode([.. _carry.GetRange(0, newline)]));
                _carry.RemoveRange(0, newline + 1);
            }
            if (_carry.Count > MaxMessageBytes) messages.Add(TakeAll());
        }
        else if (!EndsInsideCharacter([.. _carry]) || _carry.Count > MaxMessageBytes)
        {
            messages.Add(TakeAll());
        }
        return messages;
    }

    private string TakeAll()
    {
        var text = Decode([.. _carry]);
        _carry.Clear();
        return text;
    }

    /// <summary>A read that stops in the middle of a multi-byte character waits for the rest
    /// instead of answering half a Chinese character.</summary>
    private static bool EndsInsideCharacter(byte[] bytes)
    {
        var chars = new char[bytes.Length];
        return Utf8.ToUtf16(bytes, chars, out _, out _, replaceInvalidSequences: true, isFinalBlock: false)
            == OperationStatus.NeedMoreData;
    }

    private static string Decode(byte[] bytes) => Encoding.UTF8.GetString(bytes).Trim();
}
