using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorSockets.Hosting;

/// <summary>
/// Akka's own events that are forking mode's normal life, logged by Akka as failures: they are
/// written at Debug. A worker process that stops, crashes or is killed closes its remoting
/// association with the listener; Akka's endpoint supervisor then logs "Disassociated" as an
/// error and the gating of the address as a warning, while the worker pool already says, once and
/// in its own words, that the worker ended (or left, on a clean stop). Remoting's notes of its own
/// start and stop are Debug too: the server says the same in its terms (its cluster address, "closed"),
/// and so is DotNetty's note that a channel already closed by that stop could not be removed again.
/// A listener node's start is Debug too where Akka's notes say what the node's own lines say: the
/// first seed node hearing that the other seeds are not members yet (it then forms the cluster;
/// "joined the cluster" follows), and the split-brain resolver taking or giving up the role of
/// the node that decides (its decisions themselves are warnings and stay so).
/// </summary>
internal static class ForkingNoise
{
    private const string ChannelRemovalNote = "Unable to REMOVE channel";

    private const string GatedTemplate = "Association with remote system {0} has failed; address is now gated for {1} ms. Reason is: [{2}]";

    private static readonly HashSet<string> RemotingNotes =
    [
        "Starting remoting",
        "Remoting started; listening on addresses : [{0}]",
        "Remoting now listens on addresses: [{0}]",
        "Removing receive buffers for [{0}]->[{1}]",
        "Shutting down remote daemon.",
        "Remote daemon shut down; proceeding with flushing remote transports.",
        "Remoting shut down.",
    ];

    /// <summary>Starts of Akka.Cluster's notes (their formats, or their text when they take no argument).</summary>
    private static readonly string[] ClusterNotes =
    [
        "Received InitJoinNack message from",
        "This node is now the leader responsible for taking SBR decisions",
        "This node is not the leader any more and not responsible for taking SBR decisions",
    ];

    /// <summary>The level to write <paramref name="logEvent"/> at: <paramref name="level"/>, or Debug for the events above.</summary>
    public static LogLevel LevelOf(LogEvent logEvent, LogLevel level)
    {
        if (level == LogLevel.Information)
        {
            var template = logEvent.Message is LogMessage note ? note.Format : logEvent.Message?.ToString();
            return template is not null && (RemotingNotes.Contains(template)
                || ClusterNotes.Any(note => template.StartsWith(note, StringComparison.Ordinal))) ? LogLevel.Debug : level;
        }
        if (level < LogLevel.Warning) return level;
        if (IsDisassociated(logEvent.Cause)) return LogLevel.Debug;
        // DotNetty's channel group, closing under a remoting shutdown that already closed the
        // channel: a stop's race with nothing left to shut down.
        var text = logEvent.Message is LogMessage warning ? warning.Format : logEvent.Message?.ToString();
        if (text?.StartsWith(ChannelRemovalNote, StringComparison.Ordinal) == true)
            return LogLevel.Debug;
        if (logEvent.Message is LogMessage { Format: GatedTemplate } message && message.Parameters().Any(IsDisassociated))
            return LogLevel.Debug;
        return level;
    }

    /// <summary>Akka.Remote's exception for an association the other side closed (internal to Akka.Remote).</summary>
    private static bool IsDisassociated(object? error) => error?.GetType().FullName == "Akka.Remote.EndpointDisassociatedException";
}
