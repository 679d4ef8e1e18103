using System.Net.Sockets;

namespace ActorSockets.Tls;

/// <summary>
/// Waits until a just-accepted TLS socket has sent its first TLS record (the ClientHello) whole,
/// without taking a byte from the kernel: the handshake proper then reads it as usual. Until
/// then the connection is pending and holds no connection slot, so sockets that connect and never
/// say hello cost a place in the pending budget only. Runs off any actor's thread, one per socket.
/// </summary>
internal static class ClientHelloWait
{
    private const int RecordHeader = 5;              // type, version (2), length (2)
    private const int MaxRecord = RecordHeader + 16384 + 2048; // TLSPlaintext limit, with room for padding
    private const byte Handshake = 0x16;

    /// <summary>Null once the first record has come whole (or the bytes are not TLS at all: the
    /// handshake then fails them with its own reason); else why the connection is to be closed.</summary>
    public static async Task<string?> WaitAsync(Socket socket, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            var header = new byte[RecordHeader];
            int seen = await PeekAsync(socket, header, cancel.Token);
            if (seen == 0) return "the connection closed before its TLS handshake";
            if (header[0] != Handshake || seen < RecordHeader) return null;
            int length = RecordHeader + (header[3] << 8 | header[4]);
            if (length > MaxRecord) return null;
            return await PeekAsync(socket, new byte[length], cancel.Token) == 0 ? "the connection closed before its TLS handshake" : null;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return $"no TLS ClientHello within {timeout}";
        }
        catch (SocketException e)
        {
            return $"the connection failed before its TLS handshake: {e.Message}";
        }
    }

    /// <summary>Peeks until <paramref name="buffer"/> is full, the first byte is not a handshake
    /// record's, or the peer closed (0). A peek returns at once with the bytes already seen, so a
    /// record split across segments is looked at again after a short pause.</summary>
    private static async Task<int> PeekAsync(Socket socket, byte[] buffer, CancellationToken cancel)
    {
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.Peek, cancel);
            if (n == 0 || n == buffer.Length || buffer[0] != Handshake) return n;
            await Task.Delay(10, cancel);
        }
    }
}
