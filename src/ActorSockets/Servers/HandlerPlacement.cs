using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Servers;

/// <summary>
/// The server mode's placement of handlers: where each request's handler runs (a child of its
/// connection in sync and threading modes, a worker process in forking mode, which may take the
/// whole socket). The connection talks to whatever reference comes back.
/// </summary>
internal abstract class HandlerPlacement : IHandlerLauncher
{
    /// <inheritdoc/>
    public abstract IActorRef Launch(IActorContext connection, RequestInfo request);

    /// <inheritdoc/>
    public virtual bool LaunchesChildren => false;

    /// <summary>Whether the handler declares <see cref="ReusableHandlerAttribute"/> and is started
    /// locally, so a datagram listener may keep it for many requests.</summary>
    public virtual bool Reusable => false;

    /// <summary>The props of the actor that serves an accepted stream socket, when this launcher
    /// serves whole connections elsewhere (forking mode hands the socket to a worker process);
    /// null, the default: a <see cref="StreamConnectionActor"/> in this process.</summary>
    public virtual Props? StreamRequestProps(System.Net.Sockets.Socket client, RequestInfo request,
        ServerContext settings) => null;

    /// <summary>Serves an accepted stream socket elsewhere at once, with no actor in this process
    /// (forking mode hands it to one of the listener's own worker processes, when one can take it
    /// now): the reference that stands for the request, named <paramref name="name"/> under the
    /// listener; or null, the default, to serve it with an actor (<see cref="StreamRequestProps"/>).
    /// Called from the listener's own run; when it returns a reference, the socket is no longer the
    /// listener's to close.</summary>
    public virtual StandInRef? TryServeElsewhere(IActorContext listener, string name, System.Net.Sockets.Socket client,
        RequestInfo request, ServerContext settings) => null;
}

/// <summary>Sync and threading modes: the handler is a child of its connection actor, so the
/// connection's supervisor strategy is socketserver's <c>handle_error</c>.</summary>
/// <param name="handlerProps">How to create the handler.</param>
/// <param name="compactMailbox">Give it the per-request <see cref="Connections.CompactMailbox"/>, which the
/// server registers in its actor system.</param>
/// <param name="dispatcher">Run it on this dispatcher unless its props chose one (in the listener's
/// process: <see cref="Connections.IoDispatcher.RequestId"/>, on the thread its connection ran on); null: as its props say.</param>
internal sealed class ChildHandlerPlacement(Props handlerProps, bool compactMailbox = true, string? dispatcher = null) : HandlerPlacement
{
    private readonly Props _handlerProps = OnDispatcher(compactMailbox && !RequiresOwnMailbox(handlerProps)
        ? Connections.CompactMailbox.Apply(handlerProps) : handlerProps, dispatcher);

    /// <summary>A handler that stashes (<c>IWithUnboundedStash</c>) needs a mailbox that can put
    /// messages back at the front, which the compact one cannot: it keeps the system's default.</summary>
    private static bool RequiresOwnMailbox(Props props)
        => props.Type is { } type && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Akka.Dispatch.IRequiresMessageQueue<>));

    private static Props OnDispatcher(Props props, string? dispatcher)
        => dispatcher is null || (!string.IsNullOrEmpty(props.Dispatcher) && props.Dispatcher != Akka.Dispatch.Dispatchers.DefaultDispatcherId)
            ? props : props.WithDispatcher(dispatcher);

    public override IActorRef Launch(IActorContext connection, RequestInfo request)
        => connection.ActorOf(_handlerProps, request.HandlerName);

    public override bool LaunchesChildren => true;

    public override bool Reusable { get; } =
        handlerProps.Type is { } type && Attribute.IsDefined(type, typeof(ReusableHandlerAttribute), inherit: true);
}
