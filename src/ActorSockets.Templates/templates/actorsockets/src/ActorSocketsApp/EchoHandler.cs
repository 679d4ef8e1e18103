using ActorSockets.Handlers;

namespace ActorSocketsApp;

/// <summary>One per connection: reads lines until the client closes and sends each one back.</summary>
public sealed class EchoHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineAsync() is { } line)   // null at end of stream
            await WriteAsync(line + "\n");
    }
}
