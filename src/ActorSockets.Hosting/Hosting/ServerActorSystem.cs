using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting.Logging;
using ActorSockets.Servers;
using Microsoft.Extensions.Logging;

namespace ActorSockets.Hosting;

/// <summary>
/// An actor system for a server program whose log goes through Microsoft.Extensions.Logging
/// (to stderr by default), so stdout carries only what the program prints itself (the
/// <c>LISTENING</c> line tools wait for). Pass it to <see cref="SocketServer"/>; what the core
/// makes on its own logs to stderr without Microsoft.Extensions.Logging.
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

    /// <summary>A logger factory writing every level at or above <paramref name="minimum"/> to stderr,
    /// one line per entry (<see cref="LogFormat.Simple"/>) or one JSON object per line (<see cref="LogFormat.Json"/>).</summary>
    /// <remarks>Above <see cref="LogLevel.Debug"/>, Akka's own note that CoordinatedShutdown ran is
    /// left out: the server logs its closing itself, and a server that failed to start says why in
    /// one line, not two.</remarks>
    public static ILoggerFactory StderrLoggerFactory(LogLevel minimum, LogFormat format = LogFormat.Simple)
        => LoggerFactory.Create(logging => logging.SetMinimumLevel(minimum).AddStderrConsole(format)
            .AddFilter(typeof(CoordinatedShutdown).FullName, level => level >= LogLevel.Warning || minimum <= LogLevel.Debug));

    /// <summary>Adds Microsoft's console logger writing to stderr (stdout stays the program's) with
    /// the SimpleConsole formatter on one line, or the JsonConsole formatter (one object a line).</summary>
    public static ILoggingBuilder AddStderrConsole(this ILoggingBuilder logging, LogFormat format = LogFormat.Simple)
    {
        if (format == LogFormat.Json)
            logging.AddJsonConsole(json => json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false });
        else
            logging.AddSimpleConsole(console => console.SingleLine = true);
        return logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    private static readonly Config BaseConfig = ConfigurationFactory.ParseString(
        $"akka.loggers = [\"{typeof(ActorSocketsLogger).FullName}, {typeof(ActorSocketsLogger).Assembly.GetName().Name}\"]")
        .WithFallback(DefaultActorSystem.Base);
}
