using System.Net;
using System.Net.Sockets;

namespace ActorSockets.Connections;

/// <summary>
/// An endpoint as text that says its family, for the messages that carry a request to a worker
/// process: an IP endpoint as <c>host:port</c>, a Unix one as <c>unix:</c> and its path (a
/// numeric-looking relative path would otherwise read back as an IP address).
/// </summary>
internal static class EndPointText
{
    private const string Unix = "unix:";

    public static string Format(EndPoint? endpoint) => endpoint switch
    {
        null => "",
        UnixDomainSocketEndPoint unix => Unix + unix,
        _ => endpoint.ToString() ?? "",
    };

    /// <summary>The endpoint <see cref="Format"/> wrote; null for "" and for an unnamed Unix peer.</summary>
    public static EndPoint? Parse(string text)
    {
        if (text.StartsWith(Unix, StringComparison.Ordinal))
            return text.Length > Unix.Length ? new UnixDomainSocketEndPoint(text[Unix.Length..]) : null;
        return IPEndPoint.TryParse(text, out var ip) ? ip : null;
    }
}
