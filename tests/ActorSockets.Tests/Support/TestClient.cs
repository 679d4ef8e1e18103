using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorSockets.Tests.Support;

/// <summary>A plain blocking-free socket client for tests, with a deadline on every read.</summary>
public sealed class TestClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    private readonly byte[] _buffer = new byte[65536];
    private readonly MemoryStream _pending = new();

    private TestClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>Connects to a TCP port on 127.0.0.1, optionally from another loopback address,
    /// optionally with a fixed (small) receive buffer, as a slow reader has.</summary>
    public static async Task<TestClient> ConnectAsync(int port, string? fromAddress = null, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size) socket.ReceiveBufferSize = size;
        if (fromAddress is not null) socket.Bind(new IPEndPoint(IPAddress.Parse(fromAddress), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Within(DefaultTimeout, $"connect to {port}");
        return new TestClient(socket);
    }

    /// <summary>Connects to <paramref name="server"/> (any address family), optionally from <paramref name="fromAddress"/>.</summary>
    public static async Task<TestClient> ConnectAsync(IPEndPoint server, string? fromAddress = null)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (fromAddress is not null) socket.Bind(new IPEndPoint(IPAddress.Parse(fromAddress), 0));
        await socket.ConnectAsync(server).Within(DefaultTimeout, $"connect to {server}");
        return new TestClient(socket);
    }

    /// <summary>Connects to a Unix stream socket path.</summary>
    public static async Task<TestClient> ConnectUnixAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).Within(DefaultTimeout, $"connect to {path}");
        return new TestClient(socket);
    }

    /// <summary>Whether something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>One request on a fresh connection: sends <paramref name="line"/> and a newline,
    /// returns the first line of the answer (newline included).</summary>
    public static async Task<string> RequestLineAsync(int port, string line)
    {
        using var client = await ConnectAsync(port);
        await client.SendAsync(line + "\n");
        return await client.ReadLineAsync();
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends all of <paramref name="data"/>; fails the test if the server has not taken it
    /// within the deadline (a server that stops reading must not hang the test).</summary>
    public async Task SendAsync(byte[] data, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? SendTimeout);
        await Socket.SendAsync(data, SocketFlags.None, cts.Token);
    }

    public void HalfClose() => Socket.Shutdown(SocketShutdown.Send);

    /// <summary>One line including its newline; the rest at end of stream (may be empty).</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var bytes = _pending.ToArray();
            int newline = Array.IndexOf(bytes, (byte)'\n');
            if (newline >= 0) return Take(bytes, newline + 1);
            int n = await Socket.ReceiveAsync(_buffer, SocketFlags.None, cts.Token);
            if (n == 0) return Take(bytes, bytes.Length);
            _pending.Write(_buffer, 0, n);
        }
    }

    /// <summary>Everything until the server closes (end of stream).</summary>
    public async Task<string> ReadToEndAsync(TimeSpan? timeout = null)
        => Encoding.UTF8.GetString(await ReadToEndBytesAsync(timeout));

    public async Task<byte[]> ReadToEndBytesAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            int n = await Socket.ReceiveAsync(_buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            _pending.Write(_buffer, 0, n);
        }
        var all = _pending.ToArray();
        _pending.SetLength(0);
        return all;
    }

    /// <summary>Whether the server closed the connection (end of stream or reset) within the deadline.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan? timeout = null)
    {
        try
        {
            var rest = await ReadToEndBytesAsync(timeout);
            return rest.Length == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Reads to the end and says how the server ended the connection: a clean close
    /// (FIN: end of stream) or a reset (RST). Fails the test if it stays open past the deadline.</summary>
    public async Task<(byte[] Data, bool Reset)> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        try
        {
            return (await ReadToEndBytesAsync(timeout), false);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            var got = _pending.ToArray();
            _pending.SetLength(0);
            return (got, true);
        }
    }

    /// <summary>Resets the connection (RST) instead of closing it: linger on with a zero timeout.</summary>
    public void Abort()
    {
        Socket.LingerState = new LingerOption(true, 0);
        Socket.Close();
    }

    private string Take(byte[] bytes, int count)
    {
        _pending.SetLength(0);
        _pending.Write(bytes, count, bytes.Length - count);
        return Encoding.UTF8.GetString(bytes, 0, count);
    }

    public void Dispose() => Socket.Dispose();
}
