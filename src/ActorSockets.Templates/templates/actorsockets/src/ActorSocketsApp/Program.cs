// ActorSocketsApp: a line echo server with the standard ActorSockets command line
// (--host, --port, --mode, --config FILE.conf, --help, ...). Prints "LISTENING <port>" once bound;
// Ctrl-C or SIGTERM closes it gracefully.
using ActorSockets.CommandLine;
using ActorSocketsApp;
using Akka.Actor;

return await ServerCommandLine.RunAsync(args, "ActorSocketsApp: sends every line back.",
    cli => Props.Create<EchoHandler>());
