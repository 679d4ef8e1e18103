// The protocol between a participant's handler and the room. Plain data, so a handler in a
// worker process speaks it unchanged. A participant is its handler: the room keeps the
// handler's reference (the Sender of Join) and tells it what to write.

/// <summary>Handler → room: a client connected.</summary>
sealed record Join(string ClientAddress);

/// <summary>Handler → room: a line the participant typed (text or a command).</summary>
sealed record Said(string Line);

/// <summary>Handler → room, as it stops: the participant is gone; <paramref name="CutOff"/> when
/// the server closed the connection while the handler still read from it (in this room: the
/// client stopped reading and passed the server's write limit).</summary>
sealed record Gone(bool CutOff);

/// <summary>Room → handler: a line to write to its client.</summary>
sealed record Deliver(string Line);

/// <summary>Room → handler: the participant is out of the room; end the connection once what
/// was delivered before is sent.</summary>
sealed record Bye
{
    public static readonly Bye Instance = new();
}

/// <summary>Sent by the program when the server is stopping: the room tells everyone and closes
/// their connections, since participants never leave on their own and the server's graceful
/// close would otherwise wait its whole drain timeout.</summary>
sealed record ServerStopping
{
    public static readonly ServerStopping Instance = new();
}
