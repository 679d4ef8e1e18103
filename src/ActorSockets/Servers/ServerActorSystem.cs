using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;

namespace ActorSockets.Servers;

/// <summary>
/// The actor system a <see cref="SocketServer"/> creates when it is given none. Akka's log goes
/// through Microsoft.Extensions.Logging to stderr, so stdout carries only what the program
/// prints itself (the <c>LISTENING</c> line tools wait for).
/// </summary>
public static class ServerActorSystem
{
    /// <summary>Creates an actor system logging to <paramref name="loggerFactory"/>, or to stderr
    /// at Information level when it is null.</summary>
    public static ActorSystem Create(string name = "actorsockets", ILoggerFactory? loggerFactory = null, Config? config = null)
    {
        loggerFactory ??= StderrLoggerFactory(LogLevel.Information);
        var bootstrap = BootstrapSetup.Create().WithConfig((config ?? Config.Empty).WithFallback(BaseConfig));
        return ActorSystem.Create(name, ActorSystemSetup.Create(bootstrap, new LoggerFactorySetup(loggerFactory)));
    }

    /// <summary>A logger factory writing every level at or above <paramref name="minimum"/> to stderr.</summary>
    public static ILoggerFactory StderrLoggerFactory(LogLevel minimum) => LoggerFactory.Create(logging => logging
        .SetMinimumLevel(minimum)
        .AddSimpleConsole(console => console.SingleLine = true)
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

    private static readonly Config BaseConfig = ConfigurationFactory.ParseString("""
        akka.loggers = ["Akka.Hosting.Logging.LoggerFactoryLogger, Akka.Hosting"]
        akka.loglevel = INFO
        akka.stdout-loglevel = OFF
        akka.log-dead-letters-during-shutdown = off
        akka.log-dead-letters = 0
        akka.coordinated-shutdown.exit-clr = off
        # SIGTERM and Ctrl-C are handled by the server program, which drains before stopping;
        # Akka's own process-exit hook would leave the cluster under requests still in flight.
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);
}
