using ActorSockets.Handlers;
using Akka.Actor;

/// <summary>
/// One participant's connection: reads lines and hands each to the room; writes what the room
/// tells it, at once, even while it waits for its client's next line. The room is found by path
/// in the server's actor system, so this handler works wherever it runs.
/// </summary>
sealed class ChatHandler : StreamRequestHandler
{
    private ActorSelection? _room;
    private bool _ended;

    public ChatHandler()
    {
        // Write never waits: a client that stops reading is cut off at the server's write limit
        // (its connection closes, this handler stops), and the room is never held up by it.
        Receive<Deliver>(deliver => Write(deliver.Line + "\n"));
        // Stopping ends the request: the connection sends what was written, then closes.
        Receive<Bye>(_ => Context.Stop(Self));
    }

    protected override async Task HandleAsync()
    {
        _room = Context.ActorSelection(Request.Server.Path.Root / "user" / ChatRoom.Name);
        _room.Tell(new Join(ClientAddress), Self);
        try
        {
            while (await ReadLineAsync() is { } line) _room.Tell(new Said(line), Self);
        }
        finally
        {
            _ended = true; // the client ended (or broke) the connection, not the server
        }
    }

    protected override void OnStopped() => _room?.Tell(new Gone(CutOff: !_ended), Self);
}
