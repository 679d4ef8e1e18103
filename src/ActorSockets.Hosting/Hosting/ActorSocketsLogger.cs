using System.Collections;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Dispatch;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorSockets.Hosting;

/// <summary>
/// An Akka logger (<c>akka.loggers</c>) that writes each of Akka's log events to a
/// Microsoft.Extensions.Logging <see cref="ILogger"/>, structured:
/// <list type="bullet">
/// <item>the category is <c>ActorSockets.Server</c>, <c>ActorSockets.Connection</c>,
/// <c>ActorSockets.Forking</c>, <c>ActorSockets.Cluster</c> (listener nodes), <c>ActorSockets.Hosting</c> for ActorSockets' own events, and the
/// logging class's full name for everything else (Akka's own events keep Akka categories, a
/// handler's <c>Context.GetLogger()</c> its handler type);</item>
/// <item>the state is the message template with its named arguments (<c>{Client}</c>,
/// <c>{Handler}</c>, <c>{Address}</c>, ...), plus <c>Server</c> (the server's name, from the actor
/// path) and <c>{OriginalFormat}</c>, so structured formatters (the JSON console) show them;</item>
/// <item>ActorSockets' events carry their stable event id (<see cref="LogEvents"/>);</item>
/// <item>the exception is attached once, as the entry's exception, never inside the message.</item>
/// </list>
/// The logger factory is the actor system's <see cref="LoggerFactorySetup"/>, or else the host's
/// <see cref="ILoggerFactory"/> through Akka.DependencyInjection (Akka.Hosting).
/// </summary>
public sealed class ActorSocketsLogger : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory;
    private readonly Dictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    /// <summary>Made by Akka from <c>akka.loggers</c>.</summary>
    public ActorSocketsLogger()
    {
        var settings = Context.System.Settings.Setup;
        _factory = settings.Get<LoggerFactorySetup>() is { HasValue: true } setup ? setup.Value.LoggerFactory
            : settings.Get<DependencyResolverSetup>() is { HasValue: true }
              && DependencyResolver.For(Context.System).Resolver.GetService<ILoggerFactory>() is { } resolved ? resolved
            : throw new Akka.Configuration.ConfigurationException(
                $"{nameof(ActorSocketsLogger)} needs an ILoggerFactory: a {nameof(LoggerFactorySetup)} in the actor system's setup, " +
                "or a host's service provider (Akka.Hosting).");
    }

    /// <inheritdoc/>
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent logEvent:
                Write(logEvent);
                return true;
            default:
                return false;
        }
    }

    private void Write(LogEvent logEvent)
    {
        var category = CategoryOf(logEvent);
        if (!_loggers.TryGetValue(category, out var logger)) _loggers[category] = logger = _factory.CreateLogger(category);
        var level = ForkingNoise.LevelOf(logEvent, LevelOf(logEvent.LogLevel()));
        if (!logger.IsEnabled(level)) return;
        var state = LogState.Of(logEvent, category);
        logger.Log(level, state.EventId, state, logEvent.Cause, static (s, _) => s.ToString());
    }

    /// <summary>The Microsoft.Extensions.Logging category of an Akka log event.</summary>
    public static string CategoryOf(LogEvent logEvent) => logEvent.LogClass?.Namespace switch
    {
        "ActorSockets.Servers" => "ActorSockets.Server",
        "ActorSockets.Connections" => "ActorSockets.Connection",
        "ActorSockets.Forking" => "ActorSockets.Forking",
        "ActorSockets.Nodes" => "ActorSockets.Cluster",
        "ActorSockets.Hosting" => "ActorSockets.Hosting",
        "ActorSockets.CommandLine" => "ActorSockets.CommandLine",
        "ActorSockets.Handlers" => "ActorSockets.Handler",
        // A logger made from an actor reference or a string has no class of its own: Akka gives it
        // this placeholder, which names nothing. The listener's such lines are the server's.
        _ when logEvent.LogClass == typeof(DummyClassForStringSources) =>
            logEvent.LogSource?.Contains("/user/" + SocketServer.ListenerPrefix, StringComparison.Ordinal) == true ? "ActorSockets.Server"
            : logEvent.LogSource is { Length: > 0 } source && !source.Contains('/') ? source : "Akka",
        _ => logEvent.LogClass?.FullName ?? logEvent.LogSource ?? "Akka",
    };

    /// <summary>Akka's level as Microsoft.Extensions.Logging's.</summary>
    public static LogLevel LevelOf(AkkaLogLevel level) => level switch
    {
        AkkaLogLevel.DebugLevel => LogLevel.Debug,
        AkkaLogLevel.InfoLevel => LogLevel.Information,
        AkkaLogLevel.WarningLevel => LogLevel.Warning,
        _ => LogLevel.Error,
    };

    /// <summary>An event's message and properties, as a logger's structured state: each named
    /// argument, <c>Server</c> when the event comes from a server's actors, and <c>{OriginalFormat}</c>.</summary>
    private sealed class LogState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        /// <summary>Akka logs this when CoordinatedShutdown runs, with Akka.Hosting's exit code, which is
        /// not the program's: the code is left out rather than stated wrongly.</summary>
        private const string ShutdownTemplate = "CoordinatedShutdown invoked due to [Reason:{Reason}]. Exiting with [ExitCode:{ExitCode}].";

        private readonly List<KeyValuePair<string, object?>> _properties = [];
        private string _text = "";

        public EventId EventId { get; private set; }

        public static LogState Of(LogEvent logEvent, string category)
        {
            var state = new LogState();
            string? template = null;
            if (logEvent.Message is LogMessage message)
            {
                template = message.Format;
                var names = message.PropertyNames;
                var values = message.Parameters().ToArray();
                if (template == ShutdownTemplate && values.Length == 2)
                {
                    template = "CoordinatedShutdown invoked due to [Reason:{Reason}]";
                    state._text = $"CoordinatedShutdown invoked due to [Reason:{values[0]}]";
                    state._properties.Add(new("Reason", values[0]));
                }
                else
                {
                    state._text = Format(message);
                    for (int i = 0; i < names.Count && i < values.Length; i++) state._properties.Add(new(names[i], values[i]));
                }
                if (LogEvents.TryGet(template, out var id, out var name)) state.EventId = new EventId(id, name);
            }
            else
            {
                state._text = logEvent.Message?.ToString() ?? ""; // a message without arguments: its text is its template
                if (LogEvents.TryGet(state._text, out var id, out var name)) state.EventId = new EventId(id, name);
            }
            if (category.StartsWith("ActorSockets.", StringComparison.Ordinal) && ServerOf(logEvent.LogSource) is { } server
                && !state._properties.Exists(p => p.Key == "Server"))
                state._properties.Add(new("Server", server));
            state._properties.Add(new("{OriginalFormat}", template ?? state._text));
            return state;
        }

        private static string Format(LogMessage message)
        {
            try
            {
                return message.ToString() ?? "";
            }
            catch (FormatException e)
            {
                return $"{message.Format} (could not format its arguments: {e.Message})";
            }
        }

        /// <summary>A server's actors live under its listener, <c>/user/actorsockets-listener-&lt;server name&gt;</c>.</summary>
        private static string? ServerOf(string? source)
        {
            const string user = "/user/";
            int start = source?.IndexOf(user, StringComparison.Ordinal) ?? -1;
            if (start < 0) return null;
            start += user.Length;
            int end = source!.IndexOf('/', start);
            var name = end < 0 ? source[start..] : source[start..end];
            int uid = name.IndexOf('#');
            return SocketServer.ServerNameOf(uid < 0 ? name : name[..uid]);
        }

        public KeyValuePair<string, object?> this[int index] => _properties[index];
        public int Count => _properties.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _properties.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => _text;
    }
}
