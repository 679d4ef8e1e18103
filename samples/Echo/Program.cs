// Echo: every byte a client sends comes back, on a persistent connection, until the client
// closes. --one-shot: read one line, echo it, close (socketserver's one request per connection).
using System.CommandLine;
using ActorSockets.CommandLine;
using ActorSockets.Handlers;
using Akka.Actor;

var oneShot = new Option<bool>("--one-shot") { Description = "Echo one line, then close the connection (default: off)" };
return await ServerCommandLine.RunAsync(args, "Echo server: sends back every byte it receives.",
    cli => Props.Create(() => new EchoHandler(cli.Parsed.GetValue(oneShot))), oneShot);

/// <summary>Echoes what arrives until end of stream, or one line with <c>oneShot</c>.</summary>
sealed class EchoHandler(bool oneShot) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        if (oneShot)
        {
            await WriteAsync(await ReadLineBytesAsync());
            return;
        }
        for (var data = await ReceiveAsync(); data.Length > 0; data = await ReceiveAsync())
            await WriteAsync(data);
    }
}
