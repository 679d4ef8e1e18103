using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// Who a request is for. Plain data (strings and actor references) so that the same message
/// reaches a handler in another process unchanged.
/// </summary>
/// <param name="ClientAddress">The client, as <c>host:port</c> or a Unix socket path ("" when the client is unnamed).</param>
/// <param name="ServerAddress">The address the server is bound to.</param>
/// <param name="HandlerName">The handler actor's name, unique per request within a server.</param>
/// <param name="Server">The listener actor, for <c>ShutdownServerAsync</c> and similar requests.</param>
public sealed record RequestInfo(string ClientAddress, string ServerAddress, string HandlerName, IActorRef Server)
{
    /// <summary>The client's endpoint (an <see cref="System.Net.IPEndPoint"/> or a
    /// <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>): the PROXY protocol header's source
    /// when the connection came with one, else the socket's peer; null for an unnamed Unix client.</summary>
    public System.Net.EndPoint? RemoteEndPoint { get; init; }

    /// <summary>The endpoint the client connected to: the PROXY protocol header's destination when
    /// it gave one, else the accepted socket's local endpoint (a datagram server's bound address).</summary>
    public System.Net.EndPoint? LocalEndPoint { get; init; }

    /// <summary>TLS: the subject of the certificate the client presented; null without TLS or certificate.</summary>
    public string? ClientCertificateSubject { get; init; }

    /// <summary>TLS: the SHA-256 thumbprint (hex) of the client's certificate; null without one.</summary>
    public string? ClientCertificateThumbprint { get; init; }
}

/// <summary>First lifecycle message: socketserver's <c>setup()</c>.</summary>
/// <param name="Request">Who the request is for.</param>
/// <param name="Connection">The actor that owns the socket; all I/O is a message to it.</param>
/// <param name="WriteBufferLimit">Unsent bytes the connection holds at most; writers flush before reaching it.</param>
internal sealed record Setup(RequestInfo Request, IActorRef Connection, int WriteBufferLimit)
{
    /// <summary>With <c>supervision.on-failure = restart</c>: the failure of the handler this one
    /// replaces on the same connection (its <c>OnRestartAsync</c> runs first); null for the first.</summary>
    public Exception? RestartedAfter { get; init; }

    /// <summary>A datagram request's datagram, delivered with Setup so the handler need not ask
    /// for it (null for stream connections, whose data is read from the connection).</summary>
    public byte[]? Datagram { get; init; }

    /// <summary>The handler stays for further requests after this one (a datagram listener's
    /// kept handler, <see cref="ReusableHandlerAttribute"/>): at Finish it tells the connection
    /// HandlerDone but does not stop. Such a Setup stands for the whole request: Handle and Finish
    /// follow from it, unsent. Local only: never set for a handler in another process.</summary>
    internal bool KeepHandler { get; init; }
}

/// <summary>Second lifecycle message: socketserver's <c>handle()</c>.</summary>
internal sealed record Handle
{
    /// <summary>The one instance.</summary>
    public static readonly Handle Instance = new();
}

/// <summary>Last lifecycle message: socketserver's <c>finish()</c>; delivered even when Handle threw.</summary>
internal sealed record Finish
{
    /// <summary>The one instance.</summary>
    public static readonly Finish Instance = new();
}

/// <summary>Sent by a handler to its connection after Finish: the request is complete and the
/// connection may close (socketserver's <c>shutdown_request</c>).</summary>
internal sealed record HandlerDone
{
    /// <summary>The one instance.</summary>
    public static readonly HandlerDone Instance = new();
}

/// <summary>Stop serving (socketserver's <c>shutdown()</c>): no new client is accepted, requests
/// in flight go on. Answered with <see cref="ShutdownCompleted"/> once the serve loop stopped.
/// Sent to the listener (<see cref="RequestInfo.Server"/>) by a handler's <c>ShutdownServerAsync</c>, and by
/// <c>SocketServer.ShutdownAsync</c>; safe from inside a handler: the listener never waits for handlers.</summary>
internal sealed record Shutdown
{
    /// <summary>The one instance.</summary>
    public static readonly Shutdown Instance = new();
}

/// <summary>The answer to <see cref="Shutdown"/>.</summary>
internal sealed record ShutdownCompleted
{
    /// <summary>The one instance.</summary>
    public static readonly ShutdownCompleted Instance = new();
}
