using Akka.Configuration;

namespace ActorSockets.Configuration;

/// <summary>A server setting is invalid. <see cref="Setting"/> is the full HOCON path of the
/// setting (e.g. <c>actorsockets.servers.echo.mode</c>), and the message names it too.</summary>
public sealed class ServerConfigurationException : ConfigurationException
{
    /// <summary>Creates the exception for <paramref name="setting"/>.</summary>
    public ServerConfigurationException(string setting, string why, Exception? inner = null)
        : base($"Invalid setting {setting}: {why}", inner!)
        => Setting = setting;

    /// <summary>The full HOCON path of the bad setting.</summary>
    public string Setting { get; }
}
