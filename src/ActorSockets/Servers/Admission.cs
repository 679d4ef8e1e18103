using System.Net;

namespace ActorSockets.Servers;

/// <summary>
/// Decides whether a client may be served: the allow/deny network lists first, then
/// <see cref="ServerHooks.VerifyRequest"/> (socketserver's <c>verify_request</c>).
/// </summary>
internal static class Admission
{
    /// <summary>Null when admitted, else the reason for the log.</summary>
    public static string? Refusal(ServerOptions options, ServerHooks hooks, EndPoint? client)
    {
        if (client is IPEndPoint ip)
        {
            var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
            if (options.Allow.Count > 0 && !options.Allow.Any(n => n.Contains(address)))
                return "not in the allow list";
            if (options.Deny.Any(n => n.Contains(address)))
                return "in the deny list";
        }
        return client is not null && !hooks.VerifyRequest(client) ? "refused by VerifyRequest" : null;
    }

    /// <summary>How a client address is shown to handlers and logs.</summary>
    public static string Describe(EndPoint? endpoint) => endpoint?.ToString() ?? "";
}
