using System.Net;
using System.Text;
using ActorSockets.Connections;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Security;

/// <summary>The pure parser: every form of the header, every prefix of it, and what is not one.
/// In the unit tests' collection, as the scoped mutation run uses it (see UnitsCollection).</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ProxyProtocolParserTests
{
    private static readonly byte[] Sig = [.. ProxyProtocol.V2Signature];

    private static byte[] V2(byte command, byte family, byte[] body) =>
        [.. Sig, (byte)(0x20 | command), family, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    private static byte[] V2Ipv4(params byte[] tlvs) =>
        V2(1, 0x11, [203, 0, 113, 7, 10, 0, 0, 1, 0xC8, 0x22, 0x1F, 0x90, .. tlvs]); // 51234 -> 8080

    [Fact]
    public void V1_tcp4_tcp6_and_unknown()
    {
        var tcp4 = ProxyProtocol.Parse("PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\nhello"u8);
        Assert.Equal(ProxyParseStatus.Complete, tcp4.Status);
        Assert.Equal("PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\n".Length, tcp4.Length);
        Assert.Equal(IPEndPoint.Parse("203.0.113.7:51234"), tcp4.Source);
        Assert.Equal(IPEndPoint.Parse("10.0.0.1:8080"), tcp4.Destination);

        var tcp6 = ProxyProtocol.Parse("PROXY TCP6 2001:db8::1 2001:db8::2 4000 443\r\n"u8);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:4000"), tcp6.Source);

        var unknown = ProxyProtocol.Parse("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nx"u8);
        Assert.Equal(ProxyParseStatus.Complete, unknown.Status);
        Assert.Null(unknown.Source);
        Assert.Equal(ProxyParseStatus.Complete, ProxyProtocol.Parse("PROXY UNKNOWN\r\n"u8).Status);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 51234\r\n", "fields")]
    [InlineData("PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n", "addresses")]
    [InlineData("PROXY TCP6 203.0.113.7 10.0.0.1 1 2\r\n", "addresses")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 65536 2\r\n", "ports")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 0080 2\r\n", "ports")]
    [InlineData("PROXY UDP4 203.0.113.7 10.0.0.1 1 2\r\n", "not TCP4")]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 1 2\n", "CRLF")]
    public void Malformed_v1_headers_are_invalid_with_a_reason(string header, string reason)
    {
        var result = ProxyProtocol.Parse(Encoding.ASCII.GetBytes(header));
        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
        Assert.Contains(reason, result.Error);
    }

    [Fact]
    public void A_v1_line_past_107_bytes_without_crlf_is_invalid()
        => Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocol.Parse(Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 120))).Status);

    [Fact]
    public void V2_ipv4_ipv6_with_tlvs_skipped_and_local()
    {
        byte[] tlvs = [0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x04, 0x00, 0x03, 0, 0, 0];
        var header = V2Ipv4(tlvs);
        var ipv4 = ProxyProtocol.Parse([.. header, .. "data"u8]);
        Assert.Equal(ProxyParseStatus.Complete, ipv4.Status);
        Assert.Equal(header.Length, ipv4.Length); // the TLVs are part of the header, the data is not
        Assert.Equal(IPEndPoint.Parse("203.0.113.7:51234"), ipv4.Source);
        Assert.Equal(IPEndPoint.Parse("10.0.0.1:8080"), ipv4.Destination);

        byte[] body = [.. IPAddress.Parse("2001:db8::1").GetAddressBytes(), .. IPAddress.Parse("2001:db8::2").GetAddressBytes(), 0x0F, 0xA0, 0x01, 0xBB];
        var ipv6 = ProxyProtocol.Parse(V2(1, 0x21, body));
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:4000"), ipv6.Source);

        var local = ProxyProtocol.Parse(V2(0, 0x00, []));
        Assert.Equal(ProxyParseStatus.Complete, local.Status);
        Assert.Equal(16, local.Length);
        Assert.Null(local.Source); // a health check: the connection's own address stands

        var localWithAddresses = ProxyProtocol.Parse(V2(0, 0x11, [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2]));
        Assert.Null(localWithAddresses.Source); // LOCAL ignores the addresses
    }

    [Fact]
    public void Malformed_v2_headers_are_invalid()
    {
        var badVersion = V2Ipv4();
        badVersion[12] = 0x11;
        Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocol.Parse(badVersion).Status);
        var badCommand = V2Ipv4();
        badCommand[12] = 0x22;
        Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocol.Parse(badCommand).Status);
        Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocol.Parse(V2(1, 0x11, [1, 2, 3])).Status); // too short for IPv4
        Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocol.Parse(V2(1, 0x51, new byte[12])).Status); // unknown family
    }

    [Fact]
    public void Every_prefix_of_a_header_is_incomplete_and_short_ones_ambiguous()
    {
        foreach (var header in new[] { Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\n"), V2Ipv4(0x04, 0x00, 0x01, 0) })
        {
            for (int n = 0; n < header.Length; n++)
            {
                var result = ProxyProtocol.Parse(header.AsSpan(0, n));
                Assert.Equal(ProxyParseStatus.Incomplete, result.Status);
                int signature = header[0] == 'P' ? 6 : 12;
                Assert.Equal(n < signature, result.Ambiguous);
            }
            Assert.Equal(ProxyParseStatus.Complete, ProxyProtocol.Parse(header).Status);
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PROXYX")]
    [InlineData("hello\n")]
    [InlineData("\r\n\r\nX")]
    public void Other_data_is_not_a_header(string data)
        => Assert.Equal(ProxyParseStatus.NotProxy, ProxyProtocol.Parse(Encoding.ASCII.GetBytes(data)).Status);
}
