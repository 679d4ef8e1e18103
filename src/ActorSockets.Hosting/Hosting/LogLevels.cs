using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;

namespace ActorSockets.Hosting;

/// <summary>Microsoft.Extensions.Logging levels in Akka's terms: Akka filters first, so its level
/// must let through whatever the logger factory is asked to show.</summary>
internal static class LogLevels
{
    public static AkkaLogLevel ToAkka(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => AkkaLogLevel.DebugLevel,
        LogLevel.Information => AkkaLogLevel.InfoLevel,
        LogLevel.Warning => AkkaLogLevel.WarningLevel,
        _ => AkkaLogLevel.ErrorLevel,
    };

    /// <summary>The <c>akka.loglevel</c> value for <paramref name="level"/>.</summary>
    public static string ToHocon(LogLevel level) => ToAkka(level) switch
    {
        AkkaLogLevel.DebugLevel => "DEBUG",
        AkkaLogLevel.InfoLevel => "INFO",
        AkkaLogLevel.WarningLevel => "WARNING",
        _ => "ERROR",
    };
}
