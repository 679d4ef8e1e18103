using Akka.Actor;

namespace ActorSockets.Handlers;

/// <summary>
/// Creates the handler actor for one request: where it runs is the server mode's business,
/// and the connection talks to whatever reference comes back.
/// </summary>
internal abstract class HandlerLauncher
{
    /// <summary>Starts a handler for <paramref name="request"/>, supervised by <paramref name="connection"/>'s context when local.</summary>
    public abstract IActorRef Launch(IActorContext connection, RequestInfo request);

    /// <summary>Whether the handler declares <see cref="ReusableHandlerAttribute"/> and is started
    /// locally, so a datagram listener may keep it for many requests.</summary>
    public virtual bool Reusable => false;

    /// <summary>The props of the actor that serves an accepted stream socket, when this launcher
    /// serves whole connections elsewhere (forking mode hands the socket to a worker process);
    /// null, the default: a <see cref="Connections.StreamConnectionActor"/> in this process.</summary>
    public virtual Props? StreamRequestProps(System.Net.Sockets.Socket client, RequestInfo request,
        Connections.RequestSettings settings) => null;
}

/// <summary>Sync and threading modes: the handler is a child of its connection actor, so the
/// connection's supervisor strategy is socketserver's <c>handle_error</c>.</summary>
/// <param name="handlerProps">How to create the handler.</param>
/// <param name="compactMailbox">Give it the per-request <see cref="Connections.CompactMailbox"/>, which the
/// server registers in its actor system.</param>
internal sealed class ChildHandlerLauncher(Props handlerProps, bool compactMailbox = true) : HandlerLauncher
{
    private readonly Props _handlerProps = compactMailbox ? Connections.CompactMailbox.Apply(handlerProps) : handlerProps;

    public override IActorRef Launch(IActorContext connection, RequestInfo request)
        => connection.ActorOf(_handlerProps, request.HandlerName);

    public override bool Reusable { get; } =
        handlerProps.Type is { } type && Attribute.IsDefined(type, typeof(ReusableHandlerAttribute), inherit: true);
}
