using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace ActorSockets.Connections;

/// <summary>What <see cref="ProxyProtocol.Parse"/> made of the bytes so far.</summary>
internal enum ProxyParseStatus
{
    /// <summary>A header has begun but is not complete: read more.</summary>
    Incomplete,
    /// <summary>The bytes do not start a PROXY header.</summary>
    NotProxy,
    /// <summary>A PROXY header that breaks the specification.</summary>
    Invalid,
    /// <summary>A whole header, <c>Length</c> bytes long.</summary>
    Complete,
}

/// <param name="Status">What the bytes are.</param>
/// <param name="Length">Complete: the header's length; what follows is the client's data.</param>
/// <param name="Source">Complete: the real client; null for LOCAL (a health check) and UNKNOWN
/// or non-IP families, where the connection's own address stands.</param>
/// <param name="Destination">Complete: the address the client connected to, when given.</param>
/// <param name="Error">Invalid: why.</param>
/// <param name="Ambiguous">Incomplete: too few bytes to tell a header from other data (a prefix
/// of a signature), so nothing may be consumed yet when headers are optional.</param>
internal readonly record struct ProxyParseResult(
    ProxyParseStatus Status, int Length = 0, IPEndPoint? Source = null, IPEndPoint? Destination = null,
    string? Error = null, bool Ambiguous = false);

/// <summary>
/// The PROXY protocol header (HAProxy's specification, versions 1 and 2), parsed from the first
/// bytes of a connection: v1 is one text line ("PROXY TCP4 src dst sport dport\r\n", at most 107
/// bytes), v2 a binary header (a 12-byte signature, version/command, family, length, addresses,
/// then TLVs, which are skipped). Pure: no I/O.
/// </summary>
internal static class ProxyProtocol
{
    /// <summary>The v2 signature.</summary>
    public static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>Longest v1 line, CRLF included.</summary>
    public const int V1MaxLength = 107;

    private const int V2FixedLength = 16;

    public static ProxyParseResult Parse(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return new(ProxyParseStatus.Incomplete, Ambiguous: true);
        if (StartsWithPartOf(data, V2Signature)) return data.Length < V2Signature.Length
            ? new(ProxyParseStatus.Incomplete, Ambiguous: true)
            : ParseV2(data);
        if (StartsWithPartOf(data, V1Prefix)) return data.Length < V1Prefix.Length
            ? new(ProxyParseStatus.Incomplete, Ambiguous: true)
            : ParseV1(data);
        return new(ProxyParseStatus.NotProxy);
    }

    /// <summary>Whether data and signature agree on their common length.</summary>
    private static bool StartsWithPartOf(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        int n = Math.Min(data.Length, signature.Length);
        return data[..n].SequenceEqual(signature[..n]);
    }

    private static ProxyParseResult ParseV1(ReadOnlySpan<byte> data)
    {
        int lf = data[..Math.Min(data.Length, V1MaxLength)].IndexOf((byte)'\n');
        if (lf < 0)
            return data.Length >= V1MaxLength ? Invalid($"v1 header longer than {V1MaxLength} bytes") : new(ProxyParseStatus.Incomplete);
        if (lf == 0 || data[lf - 1] != '\r') return Invalid("v1 header does not end with CRLF");
        var line = data[..(lf - 1)];
        foreach (var b in line)
            if (b is < 0x20 or > 0x7E) return Invalid("v1 header holds a byte that is not printable ASCII");
        var parts = Encoding.ASCII.GetString(line).Split(' ');
        int length = lf + 1;
        if (parts.Length >= 2 && parts[1] == "UNKNOWN") return new(ProxyParseStatus.Complete, length); // the rest is ignored
        if (parts.Length != 6) return Invalid($"v1 header has {parts.Length} fields, not 6");
        var family = parts[1] switch
        {
            "TCP4" => System.Net.Sockets.AddressFamily.InterNetwork,
            "TCP6" => System.Net.Sockets.AddressFamily.InterNetworkV6,
            _ => (System.Net.Sockets.AddressFamily?)null,
        };
        if (family is null) return Invalid($"v1 protocol '{parts[1]}' is not TCP4, TCP6 or UNKNOWN");
        if (!IPAddress.TryParse(parts[2], out var source) || source.AddressFamily != family
            || !IPAddress.TryParse(parts[3], out var destination) || destination.AddressFamily != family)
            return Invalid($"v1 addresses '{parts[2]}' '{parts[3]}' are not {parts[1]} addresses");
        if (!TryPort(parts[4], out var sourcePort) || !TryPort(parts[5], out var destinationPort))
            return Invalid($"v1 ports '{parts[4]}' '{parts[5]}' are not 0..65535");
        return new(ProxyParseStatus.Complete, length, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
    }

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0')) return false;
        foreach (var c in text)
            if (c is < '0' or > '9') return false;
        port = int.Parse(text);
        return port <= 65535;
    }

    private static ProxyParseResult ParseV2(ReadOnlySpan<byte> data)
    {
        if (data.Length < V2FixedLength) return new(ProxyParseStatus.Incomplete);
        byte versionCommand = data[12];
        if (versionCommand >> 4 != 2) return Invalid($"v2 version {versionCommand >> 4} is not 2");
        int command = versionCommand & 0x0F;
        if (command > 1) return Invalid($"v2 command {command} is neither LOCAL nor PROXY");
        byte family = data[13];
        int length = V2FixedLength + BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        if (data.Length < length) return new(ProxyParseStatus.Incomplete);
        var body = data[V2FixedLength..length];
        if (command == 0) return new(ProxyParseStatus.Complete, length); // LOCAL: the balancer's own connection (a health check)
        switch (family >> 4)
        {
            case 0: // AF_UNSPEC: no address given
                return new(ProxyParseStatus.Complete, length);
            case 1: // AF_INET
                if (body.Length < 12) return Invalid("v2 IPv4 addresses take 12 bytes");
                return new(ProxyParseStatus.Complete, length,
                    new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..10])),
                    new IPEndPoint(new IPAddress(body[4..8]), BinaryPrimitives.ReadUInt16BigEndian(body[10..12])));
            case 2: // AF_INET6
                if (body.Length < 36) return Invalid("v2 IPv6 addresses take 36 bytes");
                return new(ProxyParseStatus.Complete, length,
                    new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..34])),
                    new IPEndPoint(new IPAddress(body[16..32]), BinaryPrimitives.ReadUInt16BigEndian(body[34..36])));
            case 3: // AF_UNIX: no IP address to stand for the client
                if (body.Length < 216) return Invalid("v2 Unix addresses take 216 bytes");
                return new(ProxyParseStatus.Complete, length);
            default:
                return Invalid($"v2 address family {family >> 4} is unknown");
        }
        // TLVs after the addresses (ALPN, authority, CRC32C, SSL, ...) are skipped with the header.
    }

    private static ProxyParseResult Invalid(string why) => new(ProxyParseStatus.Invalid, Error: why);
}
