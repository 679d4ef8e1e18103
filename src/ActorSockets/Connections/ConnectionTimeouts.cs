using System.Diagnostics;
using System.Net.Sockets;
using ActorSockets.Metrics;
using Akka.Actor;

namespace ActorSockets.Connections;

/// <summary>
/// The two clocks a stream connection keeps on its client, whatever its handler does:
/// <see cref="ConnectionSettings.FirstByteTimeout"/> (the client must say something soon after
/// connecting: slowloris clients that connect and wait are let go) and
/// <see cref="ConnectionSettings.IdleTimeout"/> (no byte received and no write completed for that
/// long). Reads are pulled by the handler, so bytes the client sent that the handler has not
/// asked for yet sit in the kernel; they count as the client having done its part. A write
/// counts once the kernel has taken it, so a client that reads fewer than about half of
/// <see cref="ConnectionSettings.WriteBufferLimit"/> per idle period is idle too (a minimum data
/// rate, as Kestrel has). Used only from its connection actor.
/// </summary>
internal sealed class ConnectionTimeouts(ConnectionSettings options)
{
    /// <summary>A clock's timer fired; <paramref name="Kind"/> says which.</summary>
    internal sealed record Tick(ServerEvent Kind);

    private long _lastActivity = Stopwatch.GetTimestamp();
    private bool _heardFromClient;

    public void Start(ITimerScheduler timers)
    {
        if (options.FirstByteTimeout is { } firstByte)
            timers.StartSingleTimer(ServerEvent.FirstByteTimeout, new Tick(ServerEvent.FirstByteTimeout), firstByte);
        if (options.IdleTimeout is { } idle)
            timers.StartSingleTimer(ServerEvent.IdleTimeout, new Tick(ServerEvent.IdleTimeout), idle);
    }

    /// <summary>The kernel gave the connection something from the client: bytes, or its end.</summary>
    public void OnClientActivity(ITimerScheduler timers)
    {
        if (options.IdleTimeout is not null) _lastActivity = Stopwatch.GetTimestamp();
        if (_heardFromClient) return;
        _heardFromClient = true;
        timers.Cancel(ServerEvent.FirstByteTimeout);
    }

    /// <summary>The kernel took bytes written to the client.</summary>
    public void OnBytesSent()
    {
        if (options.IdleTimeout is not null) _lastActivity = Stopwatch.GetTimestamp();
    }

    /// <summary>Why the connection must close now, or null (the idle clock is then re-armed for
    /// the time left).</summary>
    public string? Expired(Tick tick, Socket socket, ITimerScheduler timers)
    {
        bool unread = HasUnreadBytes(socket);
        if (tick.Kind == ServerEvent.FirstByteTimeout)
        {
            _heardFromClient |= unread;
            return _heardFromClient ? null : $"no byte within the first-byte timeout of {options.FirstByteTimeout}; closing";
        }
        var idle = options.IdleTimeout!.Value;
        if (unread) _lastActivity = Stopwatch.GetTimestamp();
        var quiet = Stopwatch.GetElapsedTime(_lastActivity);
        if (quiet >= idle) return $"idle: no byte received or sent for {idle}; closing";
        timers.StartSingleTimer(ServerEvent.IdleTimeout, tick, idle - quiet);
        return null;
    }

    private static bool HasUnreadBytes(Socket socket)
    {
        try
        {
            return socket.Available > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
