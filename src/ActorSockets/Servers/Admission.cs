using System.Net;

namespace ActorSockets.Servers;

/// <summary>
/// Decides whether a client may be served: the allow/deny network lists first, then
/// <see cref="ServerHooks.VerifyRequest"/> (socketserver's <c>verify_request</c>). Behind the
/// PROXY protocol the lists judge the socket's peer (before its header is read) and then the
/// header's address; VerifyRequest sees the header's address.
/// </summary>
internal static class Admission
{
    /// <summary>Null when admitted, else the reason for the log.</summary>
    public static string? Refusal(ServerOptions options, ServerHooks hooks, EndPoint? client)
        => NetworkRefusal(options, client)
            ?? (client is not null && !hooks.VerifyRequest(client) ? "refused by VerifyRequest" : null);

    /// <summary>The allow/deny lists alone: null when <paramref name="peer"/> passes both (or is
    /// not an IP address), else the reason. Pure, so any thread may ask.</summary>
    public static string? NetworkRefusal(ServerOptions options, EndPoint? peer)
    {
        if (AddressOf(peer) is not { } address) return null;
        if (options.Allow.Count > 0 && !options.Allow.Any(n => n.Contains(address)))
            return "not in the allow list";
        return options.Deny.Any(n => n.Contains(address)) ? "in the deny list" : null;
    }

    /// <summary>Whether <paramref name="peer"/> may send a PROXY header (in
    /// <see cref="ServerOptions.ProxyProtocolTrusted"/>). Pure, so any thread may ask.</summary>
    public static bool IsTrustedProxy(ServerOptions options, EndPoint? peer)
        => AddressOf(peer) is { } address && options.ProxyProtocolTrusted.Any(n => n.Contains(address));

    /// <summary>An IPv4 client of a dual-stack socket is judged by its IPv4 address.</summary>
    private static IPAddress? AddressOf(EndPoint? endpoint)
        => endpoint is IPEndPoint ip ? ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address : null;

    /// <summary>How a client address is shown to handlers and logs.</summary>
    public static string Describe(EndPoint? endpoint) => endpoint?.ToString() ?? "";
}
