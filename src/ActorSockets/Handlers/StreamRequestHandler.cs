using System.Text;
using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// socketserver's <c>StreamRequestHandler</c>: a handler for TCP and Unix stream connections
/// with <c>rfile</c>/<c>wfile</c>-style reads and writes. Each read is a request to the
/// connection actor; writes are sent without waiting, and wait for the client only when
/// enough is unsent (so a client that does not read slows the handler down instead of
/// filling memory). Reads return empty data (or <c>null</c> for text) at end of stream.
/// </summary>
public abstract partial class StreamRequestHandler : RequestHandler
{
    private static readonly ReadLine ReadLineRequest = new();

    private int _unflushed;
    private int _flushThreshold = 128 * 1024;
    private TaskCompletionSource? _paused; // a long write waiting for the client with bytes still to send
    private static readonly ReadAvailable DefaultAvailable = new(4096);

    private ReadAvailable _lastAvailable = DefaultAvailable;


    private protected override void OnSetup(Setup setup)
        => _flushThreshold = Math.Max(1, setup.WriteBufferLimit / 2);

    /// <summary>Reads one line including its <c>\n</c> (<c>rfile.readline()</c>); at end of stream
    /// the remaining bytes, then an empty array. Throws <see cref="LineTooLongException"/>
    /// past the server's <c>MaxLineLength</c>.</summary>
    protected Task<byte[]> ReadLineBytesAsync(CancellationToken cancellationToken = default) => ReadAsync(ReadLineRequest, cancellationToken);

    /// <summary>Reads one UTF-8 line without its line ending (<c>\n</c> or <c>\r\n</c>);
    /// <c>null</c> at end of stream. Throws <see cref="InvalidDataException"/> (naming the client)
    /// when the line is not valid UTF-8, and <see cref="LineTooLongException"/> past <c>MaxLineLength</c>.</summary>
    protected async Task<string?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        var line = await ReadLineBytesAsync(cancellationToken);
        if (line.Length == 0) return null;
        int length = line.Length;
        if (line[length - 1] == '\n') length--;
        if (length > 0 && line[length - 1] == '\r') length--;
        return TextDecoding.Decode(line.AsSpan(0, length), ClientAddress);
    }

    /// <summary>Reads whatever has arrived, at most <paramref name="maxBytes"/>, waiting only when
    /// nothing has (<c>request.recv(n)</c>); empty at end of stream.</summary>
    protected Task<byte[]> ReceiveAsync(int maxBytes = 4096, CancellationToken cancellationToken = default)
    {
        maxBytes = Math.Min(maxBytes, ConnectionContract.MaxChunk);
        if (_lastAvailable.MaxBytes != maxBytes) _lastAvailable = new ReadAvailable(maxBytes); // messages are immutable: reuse
        return ReadAsync(_lastAvailable, cancellationToken);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, fewer only at end of stream (<c>rfile.read(n)</c>).</summary>
    protected async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= ConnectionContract.MaxChunk) return await ReadAsync(new ReadExactly(count), cancellationToken);
        using var collected = new MemoryStream(count);
        while (collected.Length < count)
        {
            var chunk = await ReadAsync(new ReadExactly((int)Math.Min(ConnectionContract.MaxChunk, count - collected.Length)), cancellationToken);
            if (chunk.Length == 0) break;
            collected.Write(chunk);
        }
        return collected.ToArray();
    }

    /// <summary>Sends <paramref name="data"/> to the client (<c>wfile.write</c> / <c>sendall</c>).
    /// Returns at once unless too much is unsent, then waits for the client to take some. Writes
    /// reach the client in the order they were made, whichever code made them.</summary>
    protected Task WriteAsync(ReadOnlyMemory<byte> data)
        => _paused is null ? WriteInOrderAsync(data) : WriteAfterAsync(_paused.Task, data);

    private async Task WriteInOrderAsync(ReadOnlyMemory<byte> data)
    {
        TaskCompletionSource? paused = null;
        try
        {
            while (data.Length > 0)
            {
                data = TellChunk(data);
                if (_unflushed < _flushThreshold) continue;
                // A long write waits for the client with bytes still to send: writes made meanwhile go after them.
                if (data.Length > 0) _paused = paused ??= new TaskCompletionSource();
                await FlushAsync();
            }
        }
        finally
        {
            if (paused is not null)
            {
                _paused = null;
                paused.SetResult(); // the writes held back resume here, in the order they were made
            }
        }
    }

    private async Task WriteAfterAsync(Task earlier, ReadOnlyMemory<byte> data)
    {
        await earlier;
        await WriteAsync(data);
    }

    /// <summary>Sends the first chunk of <paramref name="data"/>; returns the rest. Chunks stay small
    /// enough to cross to a worker process in one remoting frame.</summary>
    private ReadOnlyMemory<byte> TellChunk(ReadOnlyMemory<byte> data)
    {
        var chunk = data[..Math.Min(data.Length, Math.Min(_flushThreshold, ConnectionContract.MaxChunk))];
        Connection.Tell(new Write(chunk.ToArray()), Self);
        _unflushed += chunk.Length;
        return data[chunk.Length..];
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8.</summary>
    protected Task WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends <paramref name="data"/> to the client without waiting: for a message handler
    /// (<see cref="RequestHandler.Receive{T}"/>), which never waits, as a write to an Akka.IO
    /// connection is a Tell. It keeps its place in order with every other write, and counts
    /// towards the same limit: the next <see cref="WriteAsync(ReadOnlyMemory{byte})"/> waits for
    /// the client first when enough is unsent, and a client that takes nothing while more than
    /// <c>WriteBufferLimit</c> bytes queue up is cut off (its connection closes and this handler
    /// stops), so a client that stops reading costs bounded memory and never holds up whoever
    /// sent the message.</summary>
    protected void Write(ReadOnlyMemory<byte> data)
    {
        if (_paused is not null)
        {
            _ = WriteAfterAsync(_paused.Task, data.ToArray()); // behind a long write's rest; never fails: a lost connection ends the handler
            return;
        }
        while (data.Length > 0) data = TellChunk(data);
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8 without waiting (see <see cref="Write(ReadOnlyMemory{byte})"/>).</summary>
    protected void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>The connection as a <see cref="Stream"/> (for a <see cref="StreamReader"/>, a
    /// serializer, <c>PipeReader.Create</c>); its reads, writes and flushes are this handler's
    /// own, with the same limits, timeouts and backpressure. The same instance on every call.</summary>
    protected ConnectionStream GetStream() => _stream ??= new ConnectionStream(ReceiveAsync, data => WriteAsync(data), FlushAsync);

    private ConnectionStream? _stream;

    /// <summary>Waits until everything written so far is in the kernel's hands (<c>wfile.flush()</c>).</summary>
    protected async Task FlushAsync()
    {
        int covered = _unflushed; // a message may write more while this flush waits: those stay counted
        await AskConnectionAsync(Flush.Instance);
        _unflushed = Math.Max(0, _unflushed - covered);
    }

    private async Task<byte[]> ReadAsync(object request, CancellationToken cancellationToken)
        => ((ReadResult)IoErrors.ThrowIfFailed(await ReadAnswerUncheckedAsync(request, cancellationToken))).Data;
}
