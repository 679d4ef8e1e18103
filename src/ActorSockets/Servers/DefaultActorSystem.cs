using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// The actor system a <see cref="SocketServer"/> makes when it is given none. Akka's log goes to
/// stderr, so stdout carries only what the program prints itself (the <c>LISTENING</c> line
/// tools wait for). ActorSockets.Hosting makes systems that log through
/// Microsoft.Extensions.Logging instead.
/// </summary>
internal static class DefaultActorSystem
{
    /// <summary>Settings every server's own actor system starts from; its own configuration wins over them.</summary>
    public static readonly Config Base = ConfigurationFactory.ParseString("""
        akka.loglevel = INFO
        akka.stdout-loglevel = OFF
        akka.log-dead-letters-during-shutdown = off
        akka.log-dead-letters = 0
        akka.coordinated-shutdown.exit-clr = off
        # SIGTERM and Ctrl-C are handled by the server program, which drains before stopping;
        # Akka's own process-exit hook would leave the cluster under requests still in flight.
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);

    private static readonly Config StderrLogging = ConfigurationFactory.ParseString(
        $"akka.loggers = [\"{typeof(StderrLogger).FullName}, {typeof(StderrLogger).Assembly.GetName().Name}\"]");

    /// <summary>Creates an actor system named <paramref name="name"/> logging to stderr.</summary>
    public static ActorSystem Create(string name = "actorsockets", Config? config = null)
        => ActorSystem.Create(name, (config ?? Config.Empty).WithFallback(StderrLogging).WithFallback(Base));
}

/// <summary>Akka's standard logger, writing to stderr instead of stdout: one line per event.</summary>
internal sealed class StderrLogger : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                var level = e.LogLevel().ToString().Replace("Level", "").ToUpperInvariant();
                var cause = e.Cause is null ? "" : $" ({e.Cause.GetType().Name}: {e.Cause.Message})";
                Console.Error.WriteLine($"[{level}] {e.LogSource}: {e.Message}{cause}");
                return true;
            default:
                return false;
        }
    }
}
