using System.Net.Sockets;
using System.Text;

namespace ActorSockets.Tests.Support;

/// <summary>A service manager's end of <c>sd_notify</c>: a Unix datagram socket on an abstract
/// name (no file to clean up) that records each notice in arrival order.</summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _notices = [];
    private readonly Task _reading;

    public NotifySocket()
    {
        var name = $"actorsockets-notify-{Guid.NewGuid():N}";
        _socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        Address = "@" + name;
        _reading = Task.Run(Read);
    }

    /// <summary>What <c>NOTIFY_SOCKET</c> is set to ('@' stands for the abstract namespace).</summary>
    public string Address { get; }

    /// <summary>Every notice so far, each a datagram's lines joined by ' '.</summary>
    public IReadOnlyList<string> Notices { get { lock (_notices) return [.. _notices]; } }

    /// <summary>Waits until a notice with the line <paramref name="line"/> came; returns its index.</summary>
    public async Task<int> WaitForAsync(string line, TimeSpan within)
    {
        int at = -1;
        await Eventually.Until(() => (at = IndexOf(line)) >= 0, within, $"notice {line}; got: {string.Join(" | ", Notices)}");
        return at;
    }

    public int IndexOf(string line)
    {
        lock (_notices) return _notices.FindIndex(n => n.Split(' ').Contains(line));
    }

    private void Read()
    {
        var buffer = new byte[4096];
        while (true)
        {
            int n;
            try { n = _socket.Receive(buffer); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            var notice = Encoding.UTF8.GetString(buffer, 0, n).Trim().Replace('\n', ' ');
            lock (_notices) _notices.Add(notice);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _reading.Wait(TimeSpan.FromSeconds(5));
    }
}
