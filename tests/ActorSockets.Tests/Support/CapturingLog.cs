using Akka.Event;

namespace ActorSockets.Tests.Support;

/// <summary>An Akka logging adapter that keeps what is logged (level, formatted text, exception)
/// instead of publishing it, with the levels it reports enabled chosen by the test.</summary>
internal sealed class CapturingLog(LogLevel minimum = LogLevel.DebugLevel) : LoggingAdapterBase(SemanticLogMessageFormatter.Instance)
{
    public sealed record Entry(LogLevel Level, string Text, Exception? Cause);

    private readonly List<Entry> _entries = [];

    /// <summary>Told of every entry as it is logged (from any thread).</summary>
    public event Action<Entry>? Logged;

    public IReadOnlyList<Entry> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    public override bool IsDebugEnabled => minimum <= LogLevel.DebugLevel;
    public override bool IsInfoEnabled => minimum <= LogLevel.InfoLevel;
    public override bool IsWarningEnabled => minimum <= LogLevel.WarningLevel;
    public override bool IsErrorEnabled => minimum <= LogLevel.ErrorLevel;

    protected override void NotifyLog(LogLevel logLevel, object message, Exception? cause)
    {
        var entry = new Entry(logLevel, message.ToString() ?? "", cause);
        lock (_entries) _entries.Add(entry);
        Logged?.Invoke(entry);
    }
}
