// Echo: every byte a client sends comes back, on a persistent connection, until the client
// closes. --one-shot: read one line, echo it, close (socketserver's one request per connection).
// --udp: each datagram comes back as one datagram (UDP, or Unix datagram with --unix PATH).
using System.CommandLine;
using ActorSockets.CommandLine;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;

var oneShot = new Option<bool>("--one-shot") { Description = "Echo one line, then close the connection; streams only (default: off)" };
return await ServerCommandLine.RunAsync(args, "Echo server: sends back every byte (or datagram) it receives.",
    cli => cli.Options.Kind == SocketKind.Datagram
        ? Props.Create<DatagramEchoHandler>()
        : Props.Create(() => new EchoHandler(cli.Parsed.GetValue(oneShot))),
    oneShot);

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

/// <summary>socketserver's UDP echo: the reply is the datagram itself. It keeps nothing between
/// datagrams, so the server may serve many with one handler actor.</summary>
[ReusableHandler]
sealed class DatagramEchoHandler : DatagramRequestHandler
{
    protected override Task HandleAsync() => WriteAsync(Data);
}
