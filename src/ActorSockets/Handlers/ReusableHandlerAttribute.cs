namespace ActorSockets.Handlers;

/// <summary>
/// Declares that a <see cref="DatagramRequestHandler"/> keeps no state of its own between
/// requests, so a datagram server may serve many datagrams with one handler actor instead of
/// starting a fresh one per datagram (socketserver's model, and still the default).
/// <para>
/// A datagram server in sync or threading mode then keeps one such handler per core and queues
/// each datagram to the least busy one, in order. Every request is still delivered as
/// <see cref="Setup"/>, <see cref="Handle"/> and <see cref="Finish"/>, and
/// <see cref="RequestHandler.Request"/>, <see cref="RequestHandler.ClientAddress"/> and
/// <see cref="DatagramRequestHandler.Data"/> are the current request's. The request deadline and
/// write limit hold per request. A handler that throws is stopped, reported to
/// <see cref="Servers.ServerHooks.HandleError"/> as today, and replaced; the datagrams queued to it
/// go to its replacement. A handler that is stopped for a request's deadline or write limit is
/// replaced the same way. <see cref="RequestHandler.OnStopped"/> runs when the handler actor
/// stops, not after each request.
/// </para>
/// <para>
/// Only for handlers whose fields (and constructor arguments) mean the same for every request:
/// anything a handler stores during one request is seen by the next ones it serves, and requests
/// run concurrently on different handler instances. Stream servers and forking mode ignore it
/// (a stream handler serves one connection; a worker's handler is created per request).
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class ReusableHandlerAttribute : Attribute;
