using Akka.Actor;

namespace ActorSockets.Servers;

/// <summary>
/// Why a program's actor system stops when its server could not start (the command line's, or
/// a hosted server's). Terminating the system
/// plainly runs CoordinatedShutdown with <see cref="CoordinatedShutdown.ActorSystemTerminateReason"/>,
/// whose log line claims exit code 0 while the program exits 1; this reason's exit code agrees.
/// </summary>
internal sealed class StartFailedReason : CoordinatedShutdown.Reason
{
    /// <summary>The one instance.</summary>
    public static readonly StartFailedReason Instance = new();

    private StartFailedReason() { }

    /// <summary>The exit code of a program whose server did not start.</summary>
    public override int ExitCode => 1;

    /// <inheritdoc/>
    public override string ToString() => "the server could not start";
}
