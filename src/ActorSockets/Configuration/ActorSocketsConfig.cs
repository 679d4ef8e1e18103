using Akka.Actor;
using Akka.Configuration;

namespace ActorSockets.Configuration;

/// <summary>
/// The library's reference configuration (<c>hocon/reference.conf</c>, embedded): every
/// <c>actorsockets</c> setting with its default. Merged as a fallback, as Akka's own modules merge
/// theirs, so user configuration names only what it changes.
/// </summary>
public static class ActorSocketsConfig
{
    /// <summary>The settings every server starts from.</summary>
    public const string DefaultsPath = "actorsockets.server-defaults";

    /// <summary>The per-server sections: <c>actorsockets.servers.&lt;name&gt;</c>.</summary>
    public const string ServersPath = "actorsockets.servers";

    /// <summary>The reference configuration, parsed once.</summary>
    public static Config Reference { get; } = ConfigurationFactory.FromResource(
        "ActorSockets.reference.conf", typeof(ActorSocketsConfig).Assembly);

    /// <summary>Adds the reference configuration to <paramref name="system"/> as its last fallback
    /// (what an Akka extension does with its own reference.conf).</summary>
    public static void InjectInto(ActorSystem system)
    {
        if (!system.Settings.Config.HasPath(DefaultsPath)) system.Settings.InjectTopLevelFallback(Reference);
    }

    /// <summary>Reads a HOCON file (and the files it includes), with the reference configuration as fallback.</summary>
    /// <exception cref="ServerConfigurationException">The file is missing, not valid HOCON (the line is
    /// named), includes a required file that is missing, or has a key under <c>actorsockets</c> the
    /// reference does not know (its path is named).</exception>
    public static Config LoadFile(string path)
    {
        var parsed = new Config(ConfigFile.Parse(path));
        ServerConfig.CheckKnownKeys(parsed);
        return parsed.WithFallback(Reference);
    }
}
