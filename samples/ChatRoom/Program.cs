// A chat room: every connection is a participant; a line from one goes to all others with the
// sender's nickname. /nick NAME, /who, /quit. One room actor owns all state and tells each
// participant's handler what to write, so no locks; a participant that stops reading is cut off
// by the server's write limit (write-buffer-limit) without slowing anyone. Started as listener
// nodes of one cluster (--cluster-port, --seed-nodes), the rooms of all nodes share their lines.
using System.Runtime.InteropServices;
using ActorSockets.CommandLine;
using Akka.Actor;

PosixSignalRegistration[] stopSignals = [];
var exitCode = await ServerCommandLine.RunAsync(args,
    "Chat room: lines go to every other participant; /nick NAME, /who, /quit.",
    _ => Props.Create<ChatHandler>(),
    onStarted: server =>
    {
        // In the listener's process only (not in forking mode's workers): handlers find it by path.
        var room = server.System.ActorOf(Props.Create<ChatRoom>(), ChatRoom.Name);
        // Alongside the standard graceful stop (which waits for connections to end): participants
        // never end on their own, so the room says goodbye and closes them.
        stopSignals = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
            .Select(signal => PosixSignalRegistration.Create(signal, _ => room.Tell(ServerStopping.Instance)))];
    });
foreach (var registration in stopSignals) registration.Dispose();
return exitCode;
