using System.Net;

namespace ActorSockets.Servers;

// The listener actor's protocol. SocketServer's async methods send these and are the public
// API for them; hosting code and handlers of this library send them directly (plain data).

/// <summary>Bind and listen (socketserver's <c>server_bind</c> + <c>server_activate</c>).
/// Answered with <see cref="Bound"/> or a <c>Status.Failure</c>.</summary>
internal sealed record Bind
{
    /// <summary>The one instance.</summary>
    public static readonly Bind Instance = new();
}

/// <summary>The server is bound; <paramref name="Endpoint"/> is the real address (port 0 resolved).</summary>
internal sealed record Bound(EndPoint Endpoint);

/// <summary>Serve until <see cref="Handlers.Shutdown"/> (<c>serve_forever</c>). Answered with
/// <see cref="ServeStopped"/> when serving stops.</summary>
internal sealed record ServeForever
{
    /// <summary>The one instance.</summary>
    public static readonly ServeForever Instance = new();
}

/// <summary>The answer to <see cref="ServeForever"/>: serving has stopped.</summary>
internal sealed record ServeStopped
{
    /// <summary>The one instance.</summary>
    public static readonly ServeStopped Instance = new();
}

/// <summary>Serve exactly one request (<c>handle_request</c>), waiting at most the shorter of
/// <paramref name="Timeout"/> and the server's <c>Timeout</c>. Answered with <see cref="OneRequestHandled"/>.</summary>
internal sealed record HandleOneRequest(TimeSpan? Timeout);

/// <summary>What <see cref="HandleOneRequest"/> came to.</summary>
public enum RequestOutcome
{
    /// <summary>A client was accepted and its request processed (in sync mode: completed).</summary>
    Served,
    /// <summary>A client came but was refused by the allow/deny lists or <c>VerifyRequest</c>
    /// (or, on a datagram server, its datagram was over <c>MaxPacketSize</c> and dropped).</summary>
    Refused,
    /// <summary>No client came in time; <c>HandleTimeout</c> was called.</summary>
    TimedOut,
}

/// <summary>The answer to <see cref="HandleOneRequest"/>.</summary>
internal sealed record OneRequestHandled(RequestOutcome Outcome);

/// <summary>Release the address and stop (<c>server_close()</c>); with <c>BlockOnClose</c> first
/// drain: each request in flight finishes what it has read (a read that needs bytes not yet
/// received ends the stream, so persistent connections end between requests), for at most
/// <c>DrainTimeout</c>. Answered with <see cref="Closed"/>.</summary>
internal sealed record Close
{
    /// <summary>The one instance.</summary>
    public static readonly Close Instance = new();
}

/// <summary>The answer to <see cref="Close"/>: the address is free and every connection is closed.</summary>
internal sealed record Closed
{
    /// <summary>The one instance.</summary>
    public static readonly Closed Instance = new();
}

/// <summary>While closing: stop every request still in flight now instead of at the drain
/// deadline (a second SIGTERM or Ctrl-C). Answered with <see cref="RequestsCut"/>; outside
/// closing nothing is in a drain, and it is answered with zero.</summary>
internal sealed record CutRequests
{
    /// <summary>The one instance.</summary>
    public static readonly CutRequests Instance = new();
}

/// <summary>The answer to <see cref="CutRequests"/>: how many requests were stopped.</summary>
internal sealed record RequestsCut(int Count);

/// <summary>Asks for the listening socket's handle, to pass it to a successor process; answered
/// with <see cref="ListeningHandle"/> (null before binding and once closed).</summary>
internal sealed record GetListeningHandle
{
    public static readonly GetListeningHandle Instance = new();
}

/// <summary>The answer to <see cref="GetListeningHandle"/>.</summary>
internal sealed record ListeningHandle(System.Runtime.InteropServices.SafeHandle? Handle);
