using System.Net;
using System.Net.Sockets;

namespace ActorSockets.Tests.Support;

/// <summary>Two ends of one real TCP connection over 127.0.0.1: <see cref="Server"/> as a
/// listener accepted it, <see cref="Client"/> as a client connected it.</summary>
internal sealed class SocketPair : IDisposable
{
    public Socket Server { get; }
    public Socket Client { get; }

    private SocketPair(Socket server, Socket client)
    {
        Server = server;
        Client = client;
    }

    /// <param name="serverReceiveBuffer">SO_RCVBUF of the server side (set before the
    /// handshake, so the window can use it), or the system's default.</param>
    public static async Task<SocketPair> ConnectAsync(int? serverReceiveBuffer = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (serverReceiveBuffer is { } size) listener.ReceiveBufferSize = size;
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        server.NoDelay = true;
        return new SocketPair(server, client);
    }

    /// <summary>Waits until the server side has <paramref name="count"/> bytes from the kernel to read.</summary>
    public Task ServerHasAsync(int count) => Support.Eventually.Until(() => Server.Available == count, TimeSpan.FromSeconds(10), $"{count} bytes readable on the server side");

    /// <summary>Receives exactly <paramref name="count"/> bytes on <paramref name="socket"/>, on the
    /// thread pool: a test may block its own thread meanwhile (TestKit's ExpectMsg) without
    /// stalling it.</summary>
    public static Task<byte[]> ReceiveExactlyAsync(Socket socket, int count) => Task.Run(() => ReceiveAsync(socket, count));

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        int got = 0;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (got < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cancel.Token).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException($"the peer closed after {got} of {count} bytes");
            got += n;
        }
        return buffer;
    }

    /// <summary>Closes the client with a reset (RST) instead of an orderly end.</summary>
    public void ResetClient()
    {
        Client.LingerState = new LingerOption(true, 0);
        Client.Close();
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}
