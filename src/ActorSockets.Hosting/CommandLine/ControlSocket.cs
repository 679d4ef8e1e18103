using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using ActorSockets.Forking;
using ActorSockets.Servers;

namespace ActorSockets.CommandLine;

/// <summary>
/// <c>--control-socket PATH</c>: where a successor process (<c>--take-over PATH</c>) takes this
/// server's listening socket over, as HAProxy's <c>expose-fd listeners</c>. Only the same user
/// may connect: the path is 0600 before it listens, and each peer's uid is checked
/// (<c>SO_PEERCRED</c>). The successor gets the socket over <c>SCM_RIGHTS</c> (forking mode's
/// <see cref="DescriptorChannel"/>), serves on it, and only once it accepts says ready: then this
/// server stops accepting and retires (see <see cref="Handover"/>). A successor that fails before that
/// (closes the link, exits) changes nothing here but one log line.
/// </summary>
internal sealed class ControlSocket : IDisposable
{
    /// <summary>Frames on the link: old → new a <c>Socket</c> frame per listening socket (its
    /// payload the server's name), then <c>End</c>; new → old <c>Ready</c> once it accepts.</summary>
    internal const byte SocketFrame = 1, EndFrame = 2, ReadyFrame = 3;

    private readonly Socket _listener;
    private readonly string _path;
    private readonly SocketServer _server;
    private readonly string _name;
    private readonly Func<int, Task> _retire;
    private readonly Action<string> _log;
    private int _handedOver;

    private ControlSocket(Socket listener, string path, SocketServer server, string name, Func<int, Task> retire, Action<string> log)
    {
        (_listener, _path, _server, _name, _retire, _log) = (listener, path, server, name, retire, log);
        new Thread(AcceptLoop) { IsBackground = true, Name = "control-socket" }.Start();
    }

    /// <summary>Listens on <paramref name="path"/> (0600). <paramref name="retire"/> runs once a
    /// successor (its pid given) serves; <paramref name="log"/> gets the one line of a failed one.</summary>
    /// <exception cref="IOException">The path cannot be bound (a live server holds it, no such folder).</exception>
    public static ControlSocket Open(string path, SocketServer server, string name, Func<int, Task> retire, Action<string> log)
    {
        var options = ServerOptions.UnixStream(path) with { UnixSocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite, Backlog = 4 };
        Socket listener;
        try
        {
            listener = ListeningSocket.Open(options); // 0600 is set between bind and listen: no one else ever connects
        }
        catch (SocketException e)
        {
            throw new IOException($"Cannot open the control socket {path}: {e.Message}", e);
        }
        listener.Blocking = true;
        return new ControlSocket(listener, path, server, name, retire, log);
    }

    private void AcceptLoop()
    {
        while (Volatile.Read(ref _handedOver) == 0)
        {
            Socket peer;
            try { peer = _listener.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            if (PeerCredentials(peer) is not { } peerCred || peerCred.Uid != getuid())
            {
                _log($"Control socket {_path}: refused a connection from uid {PeerCredentials(peer)?.Uid.ToString() ?? "unknown"} (only uid {getuid()} may take over)");
                peer.Dispose();
                continue;
            }
            using var link = new DescriptorChannel(peer);
            if (HandOver(link, peerCred.Pid)) return;
        }
    }

    /// <summary>Gives the successor the socket and waits for its word. True once it took over.</summary>
    private bool HandOver(DescriptorChannel link, int pid)
    {
        try
        {
            var handle = _server.GetListeningHandleAsync().GetAwaiter().GetResult();
            if (handle is null) return false; // closing already: nothing left to hand over
            link.Send(SocketFrame, Encoding.UTF8.GetBytes(_name), handle);
            link.Send(EndFrame, []);
            if (!link.Receive(_ => false, out _, out var type, out _, out _) || type != ReadyFrame)
            {
                _log($"Take-over by process {pid} failed before it was ready; still serving");
                return false;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _log($"Take-over by process {pid} failed before it was ready ({e.Message}); still serving");
            return false;
        }
        Volatile.Write(ref _handedOver, 1);
        Dispose(); // frees the path for the successor's own control socket, then it hears the link close
        link.Dispose();
        _retire(pid).GetAwaiter().GetResult();
        return true;
    }

    /// <summary>Stops listening and removes the path (unless a successor took over, whose path it is now).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        ListeningSocket.Release(_listener, new UnixDomainSocketEndPoint(_path));
    }

    private int _disposed;

    /// <summary>The peer's pid and uid (<c>SO_PEERCRED</c>); null where the kernel cannot say.</summary>
    internal static (int Pid, uint Uid)? PeerCredentials(Socket peer)
    {
        var credentials = default(Ucred);
        uint length = (uint)Marshal.SizeOf<Ucred>();
        return getsockopt((int)peer.SafeHandle.DangerousGetHandle(), SolSocket, SoPeerCred, ref credentials, ref length) == 0
            ? (credentials.Pid, credentials.Uid)
            : null;
    }

    /// <summary>This process's real uid.</summary>
    internal static uint OwnUid => getuid();

    private const int SolSocket = 1, SoPeerCred = 17;

    [StructLayout(LayoutKind.Sequential)]
    private struct Ucred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getsockopt(int socket, int level, int name, ref Ucred value, ref uint length);

    [DllImport("libc")]
    private static extern uint getuid();
}
