using Akka.Actor;

// The protocol between a participant's handler and the room. Plain data (an actor reference
// and strings), so a handler in a worker process speaks it unchanged.

/// <summary>A client connected; the room answers <see cref="Joined"/> and from then on writes to
/// <paramref name="Connection"/> directly (the handler's own mailbox is busy reading).</summary>
sealed record Join(IActorRef Connection, string ClientAddress);

/// <summary>The answer to <see cref="Join"/>: the nickname the participant starts with.</summary>
sealed record Joined(string Nick);

/// <summary>A line the participant typed (text or a command); answered with <see cref="Heard"/>
/// once handled, so a fast typist is paced by the room instead of filling its mailbox.</summary>
sealed record Said(IActorRef Connection, string Line);

/// <summary>The answer to <see cref="Said"/>; <paramref name="Quit"/> when the handler should end
/// (the participant quit or was dropped).</summary>
sealed record Heard(bool Quit)
{
    public static readonly Heard Continue = new(false);
    public static readonly Heard Stop = new(true);
}

/// <summary>Sent by the program when the server is stopping: the room tells everyone and closes
/// their connections, since participants never leave on their own and the server's graceful
/// close would otherwise wait its whole drain timeout.</summary>
sealed record ServerStopping
{
    public static readonly ServerStopping Instance = new();
}
