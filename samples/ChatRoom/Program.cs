// A chat room: every connection is a participant; a line from one goes to all others with the
// sender's nickname. /nick NAME, /who, /quit. One room actor owns all state and all writing,
// so no locks, and a participant that stops reading is dropped without slowing anyone.
using System.CommandLine;
using System.Runtime.InteropServices;
using ActorSockets.CommandLine;
using ActorSockets.Servers;
using Akka.Actor;

var outboxLimit = new Option<int>("--outbox-limit")
{
    Description = "Bytes a participant may have waiting to be sent before the room drops it as too slow",
    DefaultValueFactory = _ => 64 * 1024,
};
int writeBufferLimit = new ServerOptions().WriteBufferLimit;
outboxLimit.Validators.Add(result =>
{
    var value = result.GetValueOrDefault<int>();
    if (value < ChatRoom.MinOutboxLimit || value > writeBufferLimit)
        result.AddError($"--outbox-limit must be between {ChatRoom.MinOutboxLimit} and {writeBufferLimit} bytes, not {value}");
});

int roomOutboxLimit = 0; // read by the handler factory, which runs before onStarted
PosixSignalRegistration[] stopSignals = [];
var exitCode = await ServerCommandLine.RunAsync(args,
    "Chat room: lines go to every other participant; /nick NAME, /who, /quit.",
    cli =>
    {
        roomOutboxLimit = cli.Parsed.GetValue(outboxLimit);
        return Props.Create<ChatHandler>();
    },
    onStarted: server =>
    {
        // In the listener's process only (not in forking mode's workers): handlers find it by path.
        var room = server.System.ActorOf(ChatRoom.Props(roomOutboxLimit), ChatRoom.Name);
        // Alongside the standard graceful stop (which waits for connections to end): participants
        // never end on their own, so the room says goodbye and closes them.
        stopSignals = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
            .Select(signal => PosixSignalRegistration.Create(signal, _ => room.Tell(ServerStopping.Instance)))];
    },
    outboxLimit);
foreach (var registration in stopSignals) registration.Dispose();
return exitCode;
