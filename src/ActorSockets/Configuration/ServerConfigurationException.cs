using System.Text.RegularExpressions;
using Akka.Configuration;

namespace ActorSockets.Configuration;

/// <summary>A server setting is invalid. <see cref="Setting"/> is the full HOCON path of the
/// setting (e.g. <c>actorsockets.servers.echo.mode</c>), and the message names it too.</summary>
public sealed partial class ServerConfigurationException : ConfigurationException
{
    /// <summary>Creates the exception for <paramref name="setting"/>.</summary>
    public ServerConfigurationException(string setting, string why, Exception? inner = null)
        : base(CutValues($"Invalid setting {setting}: {why}"), inner!)
        => Setting = setting;

    /// <summary>The longest value a message shows whole.</summary>
    internal const int ShownValueLength = 80;

    /// <summary>Cuts each quoted value in <paramref name="message"/> ('...' or "...") to
    /// <see cref="ShownValueLength"/> characters and "…", and the message to a few lines' worth:
    /// a 10 MB value must not become a 10 MB line on stderr.</summary>
    internal static string CutValues(string message)
    {
        message = LongQuoted().Replace(message, m => $"{m.Value[..(ShownValueLength + 1)]}…{m.Value[^1]}");
        return message.Length <= 8 * ShownValueLength ? message : message[..(8 * ShownValueLength)] + "…";
    }

    [GeneratedRegex("'[^']{81,}'|\"[^\"]{81,}\"")]
    private static partial Regex LongQuoted();

    /// <summary>The full HOCON path of the bad setting.</summary>
    public string Setting { get; }
}
