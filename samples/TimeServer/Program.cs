// TimeServer: answers any datagram with the current UTC time in ISO 8601 (round-trip format,
// e.g. 2026-11-25T23:03:07.1234567Z). UDP by default; --tcp serves a stream instead, where
// each client gets one line with the time and is then closed. --unix PATH works with both.
using ActorSockets.CommandLine;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;

// The standard command line serves a stream unless --udp is given; this server is the other
// way round, so it adds --udp itself unless asked for --tcp.
var tcp = new System.CommandLine.Option<bool>("--tcp") { Description = "Serve TCP (one line, then close) instead of UDP" };
if (!args.Contains("--tcp") && !args.Contains("--udp")) args = [.. args, "--udp"];
return await ServerCommandLine.RunAsync(args, "Time server: answers with the current UTC time in ISO 8601.",
    cli => cli.Options.Kind == SocketKind.Datagram ? Props.Create<DatagramTimeHandler>() : Props.Create<StreamTimeHandler>(),
    tcp);

static class Clock
{
    public static string NowIso8601() => DateTime.UtcNow.ToString("O");
}

/// <summary>Whatever the datagram says, the answer is the time. Keeps no state: one handler
/// actor may answer many datagrams.</summary>
[ReusableHandler]
sealed class DatagramTimeHandler : DatagramRequestHandler
{
    protected override Task HandleAsync() => WriteAsync(Clock.NowIso8601());
}

/// <summary>One line with the time, then the connection closes (as the daytime protocol does).</summary>
sealed class StreamTimeHandler : StreamRequestHandler
{
    protected override Task HandleAsync() => WriteAsync(Clock.NowIso8601() + "\n");
}
