using System.Net;
using System.Text;
using ActorSockets.Connections;
using Xunit;
using ActorSockets.Tests.Support;

namespace ActorSockets.Tests.Security;

/// <summary>The PROXY header parser at its edges: the longest v1 line, the port and
/// printable-byte bounds, each v2 address family's length, and the exact reasons given
/// (ProxyProtocolParserTests covers the ordinary forms).</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ProxyProtocolEdgeTests
{
    private static ProxyParseResult V1(string text) => ProxyProtocol.Parse(Encoding.ASCII.GetBytes(text));

    private static byte[] V2(byte versionCommand, byte family, byte[] body) =>
        [.. ProxyProtocol.V2Signature, versionCommand, family, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    private static void AssertInvalid(ProxyParseResult result, string why)
    {
        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
        Assert.Equal(why, result.Error);
    }

    [Fact]
    public void A_v1_line_of_107_bytes_is_whole_and_107_bytes_without_its_end_are_too_long()
    {
        var prefix = "PROXY UNKNOWN ";
        var longest = prefix + new string('x', 107 - prefix.Length - 2) + "\r\n";
        Assert.Equal(107, longest.Length);
        Assert.Equal(new ProxyParseResult(ProxyParseStatus.Complete, 107), V1(longest + "data"));

        AssertInvalid(V1(longest[..^1] + "x"), "v1 header longer than 107 bytes"); // 107 bytes, no LF among them
        Assert.Equal(new ProxyParseResult(ProxyParseStatus.Incomplete), V1(longest[..^1])); // 106: may still end
    }

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 0 80\r\n", 0, 80)]          // a single zero is a port
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 65535 9\r\n", 65535, 9)]    // the highest port
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 19999 90\r\n", 19999, 90)]  // nines are digits
    public void Ports_from_zero_to_65535_are_read(string header, int sourcePort, int destinationPort)
    {
        var result = V1(header);
        Assert.Equal(ProxyParseStatus.Complete, result.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("1.2.3.4"), sourcePort), result.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("5.6.7.8"), destinationPort), result.Destination);
    }

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 8a 80\r\n", "'8a' '80'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 80 +1\r\n", "'80' '+1'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 80 /1\r\n", "'80' '/1'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 80 :1\r\n", "'80' ':1'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8  80\r\n", "'' '80'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 123456 80\r\n", "'123456' '80'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 00 80\r\n", "'00' '80'")]
    public void Ports_that_are_not_plain_decimal_numbers_are_invalid(string header, string ports)
        => AssertInvalid(V1(header), $"v1 ports {ports} are not 0..65535");

    [Theory]
    [InlineData('\t')]
    [InlineData('\x1F')]
    [InlineData('\x7F')]
    [InlineData('\xE9')]
    public void A_v1_byte_outside_printable_ascii_is_invalid(char bad)
    {
        var bytes = Encoding.Latin1.GetBytes($"PROXY TCP4 1.2.3.4 5.6.7.8 1{bad} 2\r\n");
        AssertInvalid(ProxyProtocol.Parse(bytes), "v1 header holds a byte that is not printable ASCII");
    }

    [Fact]
    public void Space_and_tilde_are_the_printable_bounds()
        => Assert.Equal(ProxyParseStatus.Complete, V1("PROXY UNKNOWN ~ and  spaces\r\n").Status);

    [Fact]
    public void V1_reasons_name_what_is_wrong()
    {
        AssertInvalid(V1("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), "v1 header has 5 fields, not 6");
        AssertInvalid(V1("PROXY SCTP 1.2.3.4 5.6.7.8 1 2\r\n"), "v1 protocol 'SCTP' is not TCP4, TCP6 or UNKNOWN");
        AssertInvalid(V1("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), "v1 addresses '1.2.3.4' '::1' are not TCP6 addresses");
        AssertInvalid(V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), "v1 header does not end with CRLF");
    }

    [Fact]
    public void V2_reasons_name_the_version_command_and_family()
    {
        AssertInvalid(ProxyProtocol.Parse(V2(0x11, 0x11, new byte[12])), "v2 version 1 is not 2");
        AssertInvalid(ProxyProtocol.Parse(V2(0x31, 0x11, new byte[12])), "v2 version 3 is not 2");
        AssertInvalid(ProxyProtocol.Parse(V2(0x22, 0x11, new byte[12])), "v2 command 2 is neither LOCAL nor PROXY");
        AssertInvalid(ProxyProtocol.Parse(V2(0x21, 0x41, new byte[12])), "v2 address family 4 is unknown");
        AssertInvalid(ProxyProtocol.Parse(V2(0x21, 0x11, new byte[11])), "v2 IPv4 addresses take 12 bytes");
    }

    [Fact]
    public void V2_ipv6_needs_36_bytes_and_may_carry_tlvs_after_them()
    {
        byte[] addresses = [.. IPAddress.Parse("2001:db8::1").GetAddressBytes(), .. IPAddress.Parse("2001:db8::2").GetAddressBytes(), 0x0F, 0xA0, 0x01, 0xBB];
        AssertInvalid(ProxyProtocol.Parse(V2(0x21, 0x21, addresses[..35])), "v2 IPv6 addresses take 36 bytes");

        var header = V2(0x21, 0x21, [.. addresses, 0x04, 0x00, 0x01, 0x00]); // a NOOP TLV
        var result = ProxyProtocol.Parse([.. header, .. "rest"u8]);
        Assert.Equal(new ProxyParseResult(ProxyParseStatus.Complete, header.Length,
            IPEndPoint.Parse("[2001:db8::1]:4000"), IPEndPoint.Parse("[2001:db8::2]:443")), result);
    }

    [Fact]
    public void V2_unix_addresses_take_216_bytes_and_name_no_ip_client()
    {
        AssertInvalid(ProxyProtocol.Parse(V2(0x21, 0x31, new byte[215])), "v2 Unix addresses take 216 bytes");
        var header = V2(0x21, 0x31, new byte[216]);
        Assert.Equal(new ProxyParseResult(ProxyParseStatus.Complete, header.Length), ProxyProtocol.Parse(header));
        Assert.Equal(new ProxyParseResult(ProxyParseStatus.Complete, 16 + 220), ProxyProtocol.Parse(V2(0x21, 0x32, new byte[220])));
    }

    [Fact]
    public void V2_unspecified_family_names_no_client_and_the_length_says_where_data_begins()
    {
        var header = V2(0x21, 0x00, [1, 2, 3]);
        Assert.Equal(new ProxyParseResult(ProxyParseStatus.Complete, 19), ProxyProtocol.Parse([.. header, 9, 9]));
        Assert.Equal(new ProxyParseResult(ProxyParseStatus.Incomplete), ProxyProtocol.Parse(header[..^1]));
    }
}
