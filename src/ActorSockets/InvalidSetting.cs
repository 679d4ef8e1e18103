namespace ActorSockets;

/// <summary>The one wording of a bad setting, for every options type (server, TLS, forking):
/// the configuration reader reports it as one line and keeps the reason.</summary>
internal static class InvalidSetting
{
    /// <summary>"Invalid server setting '<paramref name="setting"/>': <paramref name="why"/>."</summary>
    public static ArgumentException Error(string setting, string why)
        => new($"Invalid server setting '{setting}': {why}.", setting);
}
