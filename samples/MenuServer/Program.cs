// The "10086" menu server (a phone-line menu): a welcome menu on connect, then one answer per message
// until the caller sends "exit" or hangs up. UTF-8 in and out; see MenuHandler for framing.
using ActorSockets.CommandLine;
using Akka.Actor;

return await ServerCommandLine.RunAsync(args,
    "The 10086 menu server: welcome menu, '0' transfers to an operator, 'exit' hangs up.",
    _ => Props.Create<MenuHandler>());
