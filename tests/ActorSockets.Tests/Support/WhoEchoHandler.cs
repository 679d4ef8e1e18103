using ActorSockets.Handlers;

namespace ActorSockets.Tests.Support;

/// <summary>Echoes lines; "boom" throws; "who" answers the client address and certificate (subject and SHA-256 thumbprint); "quit" ends the connection.</summary>
public sealed class WhoEchoHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineAsync() is { } line && line != "quit")
        {
            if (line == "boom") throw new InvalidOperationException("boom");
            if (line == "who")
                await WriteAsync($"client={ClientAddress} cert={Request.ClientCertificateSubject ?? "none"}"
                    + (Request.ClientCertificateThumbprint is { } thumbprint ? $" thumbprint={thumbprint}\n" : "\n"));
            else await WriteAsync(line + "\n");
        }
    }
}
