using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorSockets.Tests.Support;

/// <summary>A UDP or Unix datagram client for tests, with a deadline on every receive.
/// A Unix client binds a path of its own (unless told not to) so the server can answer it.</summary>
public sealed class DatagramClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly byte[] _buffer = new byte[256 * 1024];
    private readonly EndPoint _server;
    private readonly string? _ownPath;

    private DatagramClient(Socket socket, EndPoint server, string? ownPath)
    {
        Socket = socket;
        _server = server;
        _ownPath = ownPath;
    }

    public Socket Socket { get; }

    /// <summary>The address the server sees, as handlers get it in <c>ClientAddress</c>.</summary>
    public string Address => Socket.LocalEndPoint?.ToString() ?? "";

    /// <summary>A UDP client on <paramref name="fromAddress"/> for a server on <paramref name="server"/>.</summary>
    public static DatagramClient Udp(IPEndPoint server, string fromAddress = "127.0.0.1")
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(fromAddress), 0));
        return new DatagramClient(socket, server, null);
    }

    /// <summary>A UDP client of a server on 127.0.0.1:<paramref name="port"/>.</summary>
    public static DatagramClient Udp(int port, string fromAddress = "127.0.0.1")
        => Udp(new IPEndPoint(IPAddress.Loopback, port), fromAddress);

    /// <summary>A Unix datagram client of the server at <paramref name="path"/>; bound to a fresh
    /// path of its own unless <paramref name="bind"/> is false (then it cannot get replies).</summary>
    public static DatagramClient Unix(string path, bool bind = true)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var own = bind ? UnixPaths.New() : null;
        if (own is not null) socket.Bind(new UnixDomainSocketEndPoint(own));
        return new DatagramClient(socket, new UnixDomainSocketEndPoint(path), own);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] data) => await Socket.SendToAsync(data, SocketFlags.None, _server);

    /// <summary>The next datagram as UTF-8 text.</summary>
    public async Task<string> ReceiveAsync(TimeSpan? timeout = null)
        => Encoding.UTF8.GetString(await ReceiveBytesAsync(timeout));

    public async Task<byte[]> ReceiveBytesAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            int n = await Socket.ReceiveAsync(_buffer, SocketFlags.None, cts.Token);
            return _buffer[..n];
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No datagram within {timeout ?? DefaultTimeout}");
        }
    }

    /// <summary>Sends <paramref name="text"/> and returns the answer.</summary>
    public async Task<string> RoundTripAsync(string text)
    {
        await SendAsync(text);
        return await ReceiveAsync();
    }

    public void Dispose()
    {
        Socket.Dispose();
        if (_ownPath is not null) File.Delete(_ownPath);
    }
}
