using System.Net;
using ActorSockets.Handlers;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// The server-side hooks of socketserver's <c>BaseServer</c>. Subclass and override one
/// method to change one behaviour. Hooks run inside the listener actor (in forking mode: in
/// the listener process), one at a time, so they need no locks but must not block for long.
/// </summary>
public class ServerHooks
{
    /// <summary>The hooks that change nothing: admit every client, log failures.</summary>
    public static readonly ServerHooks Default = new();

    /// <summary>
    /// socketserver's <c>verify_request</c>: called for every accepted connection (or received
    /// datagram) after the allow/deny lists admitted it and before any handler exists. Return
    /// false to close it without running a handler.
    /// </summary>
    public virtual bool VerifyRequest(EndPoint client) => true;

    /// <summary>
    /// socketserver's <c>handle_error</c>: called when a handler threw in Setup, Handle or
    /// Finish. The handler has already been stopped and its connection is being closed; the
    /// server and every other connection carry on. The default logs a warning with the client
    /// and the exception, except for what the client did rather than the handler: a connection
    /// reset (<see cref="ConnectionLostException"/>) and a read past a limit
    /// (<see cref="ReadTimeoutException"/>, <see cref="LineTooLongException"/>, which the server
    /// has already logged and counted) go to debug level, so hostile clients cannot flood the log.
    /// The warnings are compact (the message and the top stack frames; the whole trace at debug)
    /// and rate-limited per server: at most 10 a second, then one line counting those suppressed.
    /// </summary>
    public virtual void HandleError(RequestInfo request, Exception error, ILoggingAdapter log)
    {
        if (error is ConnectionLostException or ReadTimeoutException or LineTooLongException)
            log.Debug("Handler {Handler} for client {Client} ended: {Reason}", request.HandlerName, request.ClientAddress, error.Message);
        else
            ErrorReportLimiter.For(request).Warn(log, request, error);
    }

    /// <summary>
    /// socketserver's <c>handle_timeout</c>: called when <c>HandleRequestAsync</c> waited its
    /// timeout and no client came.
    /// </summary>
    public virtual void HandleTimeout() { }

    /// <summary>
    /// socketserver's <c>service_actions</c>: called every <see cref="ServerOptions.ServiceInterval"/>
    /// while the server is serving. An exception is logged and the ticks go on.
    /// </summary>
    public virtual void ServiceActions() { }
}
