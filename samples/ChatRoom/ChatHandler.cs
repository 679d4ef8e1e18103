using ActorSockets.Handlers;
using Akka.Actor;

/// <summary>
/// One participant's connection: reads lines and hands each to the room, which does all the
/// writing. The room is found by path in the server's actor system, so this handler works
/// wherever it runs (the listener's system is the room's system).
/// </summary>
sealed class ChatHandler : StreamRequestHandler
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    protected override async Task HandleAsync()
    {
        var room = await Context.ActorSelection(Request.Server.Path.Root / "user" / ChatRoom.Name).ResolveOne(AskTimeout);
        await room.Ask<Joined>(new Join(Connection, ClientAddress), AskTimeout);
        while (await ReadLineAsync() is { } line)
        {
            var heard = await room.Ask<Heard>(new Said(Connection, line), AskTimeout);
            if (heard.Quit) return;
        }
    }
}
