namespace ActorSockets.Hosting;

/// <summary>How the standard command line writes its log to stderr (<c>--log-format</c>).</summary>
public enum LogFormat
{
    /// <summary>Microsoft's SimpleConsole formatter, one line per entry: <c>info: ActorSockets.Server[1000] Server bound to ...</c>.</summary>
    Simple,

    /// <summary>Microsoft's JsonConsole formatter, one JSON object per line, with the entry's properties under <c>State</c>.</summary>
    Json,
}
