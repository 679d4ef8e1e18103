using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ActorSockets.Handlers;
using Akka.Event;

/// <summary>
/// One client of the file server, any number of commands per connection. A header is
/// one read of at most 1024 bytes (the seed's <c>recv(1024)</c>); when it holds a newline the
/// header ends there and what follows is kept for the next read. Answers carry no newline,
/// exactly as the seed sends them:
/// <list type="bullet">
/// <item><c>put|name|size</c> → <c>OK</c>, then exactly <c>size</c> bytes become <c>upload/name</c>
/// (atomically, once all arrived).</item>
/// <item><c>get|name|x</c> → <c>YES|size</c> or <c>NO|0</c>; after <c>second_active</c> the file
/// follows. <c>get|name|x|sha256</c> → <c>YES|size|sha256=hex</c>.</item>
/// <item><c>list|folder|x</c> (folder <c>download</c>, empty, or <c>upload</c>) → <c>YES|bytes</c>;
/// after <c>second_active</c>, <c>name|size\n</c> lines of that many bytes.</item>
/// <item>Anything refused → <c>ERR|reason</c>; the connection stays usable.</item>
/// </list>
/// </summary>
sealed class FileHandler(string root, long maxFileSize) : StreamRequestHandler
{
    private const int HeaderBytes = 1024;
    private const int ChunkBytes = 64 * 1024;
    private static ReadOnlySpan<byte> SecondActive => "second_active"u8;

    private readonly FileStore _store = new(root);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private byte[] _carry = [];
    private FileStream? _partial;

    protected override async Task HandleAsync()
    {
        while (await ReadSegmentAsync(HeaderBytes) is { Length: > 0 } segment)
        {
            int newline = segment.AsSpan().IndexOf((byte)'\n');
            if (newline >= 0 && newline + 1 < segment.Length)
            {
                Unread(segment[(newline + 1)..]);
                segment = segment[..(newline + 1)];
            }
            var request = FileRequest.Parse(segment, out var error);
            if (request is null && segment.Length == HeaderBytes && newline < 0)
            {
                // A header longer than the limit: its rest would be read as another header and
                // refused again. There is no telling where it ends, so refuse it once and close.
                await RefuseAsync($"header is longer than {HeaderBytes} bytes");
                return;
            }
            bool keepOpen = request switch
            {
                null => await RefuseAsync(error),
                { Command: "put" } => await PutAsync(request),
                { Command: "get" } => await GetAsync(request),
                _ => await ListAsync(request),
            };
            if (!keepOpen) return;
        }
    }

    /// <summary>An upload cut short by a stopped handler (server closing, connection failed) is removed too.</summary>
    protected override void OnStopped() => DiscardPartial();

    private async Task<bool> PutAsync(FileRequest request)
    {
        var path = _store.ResolveInside(_store.Upload, request.Name, out var error);
        if (path is null) return await RefuseAsync(error, dropEarlyBody: true);
        // The rename at the end would fail on a folder, after OK: refuse before.
        if (Directory.Exists(path)) return await RefuseAsync($"'{request.Name}' is a folder", dropEarlyBody: true);
        if (request.Size > maxFileSize)
            return await RefuseAsync($"file is {request.Size} bytes; the limit is {maxFileSize}", dropEarlyBody: true);

        var watch = Stopwatch.StartNew();
        _partial = _store.CreatePartial();
        try
        {
            await WriteAsync("OK");
            long received = 0;
            while (received < request.Size)
            {
                var chunk = await ReadSegmentAsync((int)Math.Min(ChunkBytes, request.Size - received));
                if (chunk.Length == 0)
                {
                    _log.Warning("put {0} from {1}: connection closed after {2} of {3} bytes; nothing kept",
                        request.Name, ClientAddress, received, request.Size);
                    return false;
                }
                await _partial.WriteAsync(chunk);
                received += chunk.Length;
            }
            var partialPath = _partial.Name;
            await _partial.DisposeAsync();
            FileStore.Commit(partialPath, path);
            _partial = null;
            _log.Info("put {0} from {1}: {2} bytes in {3} ms", request.Name, ClientAddress, received, watch.ElapsedMilliseconds);
            return true;
        }
        finally
        {
            DiscardPartial();
        }
    }

    private async Task<bool> GetAsync(FileRequest request)
    {
        var path = _store.ResolveInside(_store.Download, request.Name, out var error);
        if (path is null) return await RefuseAsync(error);
        FileStream file;
        try
        {
            // Uploads replace files by rename, so the file opened here never changes under us.
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Info("get {0} from {1}: answered NO ({2})", request.Name, ClientAddress, e.Message);
            await WriteAsync("NO|0");
            return true;
        }
        await using (file)
        {
            long size = file.Length;
            var answer = $"YES|{size}";
            if (request.WantsSha256)
            {
                answer += $"|sha256={Convert.ToHexStringLower(await SHA256.HashDataAsync(file))}";
                file.Position = 0;
            }
            await WriteAsync(answer);
            if (await ReadGoAheadAsync() is not { } go) return false;
            if (!go) return true;

            var watch = Stopwatch.StartNew();
            var buffer = new byte[ChunkBytes];
            long sent = 0;
            while (sent < size)
            {
                int n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - sent)));
                if (n == 0) throw new IOException($"get {request.Name}: the file shrank to {sent} bytes while being sent");
                await WriteAsync(buffer.AsMemory(0, n)); // waits while the client lags: memory stays bounded
                sent += n;
            }
            _log.Info("get {0} to {1}: {2} bytes in {3} ms", request.Name, ClientAddress, sent, watch.ElapsedMilliseconds);
            return true;
        }
    }

    private async Task<bool> ListAsync(FileRequest request)
    {
        var folder = request.Name switch
        {
            "" or "download" => _store.Download,
            "upload" => _store.Upload,
            _ => null,
        };
        if (folder is null) return await RefuseAsync("list takes the folder download (or empty) or upload");
        var body = Encoding.UTF8.GetBytes(_store.List(folder));
        await WriteAsync($"YES|{body.Length}");
        if (await ReadGoAheadAsync() is not { } go) return false;
        if (go) await WriteAsync(body);
        return true;
    }

    /// <summary>Waits for the client's <c>second_active</c>: true to go ahead; false when it sent
    /// something else, which is then read again as its next command; null at end of stream.
    /// Bytes after it are kept: for an empty file a client sends its next header right away.</summary>
    private async Task<bool?> ReadGoAheadAsync()
    {
        var reply = await ReadSegmentAsync(HeaderBytes);
        if (reply.Length == 0) return null;
        if (!reply.AsSpan().StartsWith(SecondActive))
        {
            Unread(reply);
            return false;
        }
        int end = SecondActive.Length;
        if (end < reply.Length && reply[end] == '\r') end++;
        if (end < reply.Length && reply[end] == '\n') end++;
        Unread(reply[end..]);
        return true;
    }

    private async Task<bool> RefuseAsync(string reason, bool dropEarlyBody = false)
    {
        _log.Info("refused a request from {0}: {1}", ClientAddress, reason);
        if (dropEarlyBody) _carry = []; // bytes a client sent before waiting for OK belong to the refused upload
        await WriteAsync($"ERR|{FileRequest.Printable(reason)}");
        return true;
    }

    /// <summary>Bytes kept from an earlier read first, then one read from the socket.</summary>
    private async Task<byte[]> ReadSegmentAsync(int maxBytes)
    {
        if (_carry.Length == 0) return await ReceiveAsync(maxBytes);
        var taken = _carry[..Math.Min(maxBytes, _carry.Length)];
        _carry = _carry[taken.Length..];
        return taken;
    }

    private void Unread(byte[] bytes) => _carry = [.. bytes, .. _carry];

    private void DiscardPartial()
    {
        if (_partial is null) return;
        var path = _partial.Name;
        _partial.Dispose();
        _partial = null;
        FileStore.Discard(path);
    }
}
