// socketserver's ThreadedTCPServer example: each connection gets one read (up to 1024 bytes, no newline
// needed) answered with "<handler name>: <message>", then the connection closes.
using System.Text;
using ActorSockets.CommandLine;
using ActorSockets.Handlers;
using Akka.Actor;

return await ServerCommandLine.RunAsync(args, "Threaded echo: answers '<handler>: <message>' and closes.",
    _ => Props.Create<NamedEchoHandler>());

/// <summary>Answers one message with this handler actor's name, as socketserver's ThreadingMixIn example answers with the thread's.</summary>
sealed class NamedEchoHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        var data = Encoding.UTF8.GetString(await ReceiveAsync(1024));
        await WriteAsync($"{Self.Path.Name}: {data}");
    }
}
