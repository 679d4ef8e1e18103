using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;

namespace ActorSockets.Servers;

/// <summary>
/// Reads a PROXY protocol header from a just-accepted socket, asynchronously and bounded by a
/// timeout, consuming exactly the header's bytes: it peeks at what arrived, and takes from the
/// kernel only bytes known to belong to the header, so the client's data after it stays for the
/// connection. Runs off any actor's thread, one per accepted connection, so a slow client holds
/// up no one else.
/// </summary>
internal static class ProxyProtocolReader
{
    /// <summary>The header's client (null: none given, keep the socket's peer) and the address
    /// the client connected to, or why it failed.</summary>
    internal readonly record struct Outcome(bool Ok, IPEndPoint? Client, string? Error)
    {
        public IPEndPoint? Destination { get; init; }
    }

    private const int PeekSize = 512;

    /// <param name="socket">The accepted connection.</param>
    /// <param name="mode">On: a header is required; Optional: read when present.</param>
    /// <param name="timeout">The client's time to send its header.</param>
    /// <param name="trusted">Whether the peer may send a header at all (a load balancer). An
    /// untrusted peer (Optional mode only) is served at its own address when its bytes are not a
    /// header, and fails as soon as they are recognisably one: a header is never honoured from it,
    /// nor handed to a handler as data.</param>
    public static async Task<Outcome> ReadAsync(Socket socket, ProxyProtocolMode mode, TimeSpan timeout, bool trusted = true)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var peeked = new byte[PeekSize];
        var header = new List<byte>(); // bytes already taken from the kernel: all header
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(peeked, SocketFlags.Peek, cancel.Token);
                if (n == 0)
                    return header.Count == 0 && mode == ProxyProtocolMode.Optional
                        ? new(true, null, null) // left without a byte: the handler sees end of stream
                        : new(false, null, "the connection closed before its PROXY header ended");
                var seen = header.Count == 0 ? peeked.AsSpan(0, n) : [.. header, .. peeked.AsSpan(0, n)];
                var result = ProxyProtocol.Parse(seen);
                if (!trusted && result.Status != ProxyParseStatus.NotProxy && !result.Ambiguous)
                    return new(false, null, "a PROXY header from a peer not in proxy-protocol-trusted");
                switch (result.Status)
                {
                    case ProxyParseStatus.Complete:
                        await TakeAsync(socket, result.Length - header.Count, null, cancel.Token);
                        return new(true, result.Source, null) { Destination = result.Destination };
                    case ProxyParseStatus.NotProxy when mode == ProxyProtocolMode.Optional && header.Count == 0:
                        return new(true, null, null);
                    case ProxyParseStatus.NotProxy:
                        return new(false, null, "the connection does not start with a PROXY protocol header");
                    case ProxyParseStatus.Invalid:
                        return new(false, null, $"malformed PROXY header: {result.Error}");
                    case ProxyParseStatus.Incomplete when result.Ambiguous && mode == ProxyProtocolMode.Optional:
                        // A few bytes that may begin a header or may be the client's data: take
                        // nothing, look again shortly (a peek would return at once with the same bytes).
                        await Task.Delay(10, cancel.Token);
                        break;
                    default: // Incomplete: every byte seen belongs to the header; take them, wait for more
                        await TakeAsync(socket, n, header, cancel.Token);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return header.Count == 0 && mode == ProxyProtocolMode.Optional
                ? new(true, null, null) // optional, and the client said nothing: served as it is
                : new(false, null, $"no complete PROXY header within {timeout}");
        }
        catch (SocketException e)
        {
            return new(false, null, $"the connection failed before its PROXY header: {e.Message}");
        }
    }

    /// <summary>Takes <paramref name="count"/> bytes the peek saw (so they are in the kernel).</summary>
    private static async Task TakeAsync(Socket socket, int count, List<byte>? into, CancellationToken cancel)
    {
        var buffer = new byte[count];
        int taken = 0;
        while (taken < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(taken), SocketFlags.None, cancel);
            if (n == 0) throw new SocketException((int)SocketError.ConnectionReset);
            taken += n;
        }
        into?.AddRange(buffer);
    }
}
