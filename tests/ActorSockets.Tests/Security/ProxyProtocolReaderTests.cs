using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorSockets.Connections;
using ActorSockets.Servers;
using Xunit;
using ActorSockets.Tests.Support;

namespace ActorSockets.Tests.Security;

/// <summary>Reading a PROXY header off a real accepted socket: exactly the header's bytes are
/// taken, the client's data after it stays in the kernel, and every way it can go wrong is
/// told apart.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ProxyProtocolReaderTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    private static Task SendAsync(Socket socket, string text) => socket.SendAsync(Encoding.ASCII.GetBytes(text));

    private static Task<ProxyProtocolReader.Outcome> Read(SocketPair pair, ProxyProtocolMode mode, TimeSpan timeout)
        => ProxyProtocolReader.ReadAsync(pair.Server, mode, timeout);

    private static async Task AssertRestIs(SocketPair pair, string rest)
    {
        pair.Client.Shutdown(SocketShutdown.Send);
        var got = new List<byte>();
        var buffer = new byte[256];
        int n;
        while ((n = await pair.Server.ReceiveAsync(buffer)) > 0) got.AddRange(buffer.AsSpan(0, n));
        Assert.Equal(rest, Encoding.ASCII.GetString(got.ToArray()));
    }

    [Theory]
    [InlineData(ProxyProtocolMode.On)]
    [InlineData(ProxyProtocolMode.Optional)]
    public async Task A_v1_header_gives_the_client_and_the_data_after_it_stays(ProxyProtocolMode mode)
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\nhello\n");
        var outcome = await Read(pair, mode, Long);
        Assert.Equal(new ProxyProtocolReader.Outcome(true, IPEndPoint.Parse("203.0.113.7:51234"), null) { Destination = IPEndPoint.Parse("10.0.0.1:8080") }, outcome);
        await AssertRestIs(pair, "hello\n");
    }

    [Fact]
    public async Task A_v2_header_gives_the_client_and_the_data_after_it_stays()
    {
        using var pair = await SocketPair.ConnectAsync();
        byte[] header = [.. ProxyProtocol.V2Signature, 0x21, 0x11, 0, 12, 198, 51, 100, 9, 10, 0, 0, 1, 0, 7, 0, 80];
        await pair.Client.SendAsync((byte[])[.. header, .. "data"u8]);
        var outcome = await Read(pair, ProxyProtocolMode.On, Long);
        Assert.Equal(new ProxyProtocolReader.Outcome(true, IPEndPoint.Parse("198.51.100.9:7"), null) { Destination = IPEndPoint.Parse("10.0.0.1:80") }, outcome);
        await AssertRestIs(pair, "data");
    }

    [Fact]
    public async Task A_header_that_arrives_in_pieces_is_put_together()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROXY TCP4 192.0.2.5 ");
        await pair.ServerHasAsync(21);
        var reading = Read(pair, ProxyProtocolMode.On, Long);
        await pair.ServerHasAsync(0); // the first piece is surely the header's: taken
        Assert.False(reading.IsCompleted);
        await SendAsync(pair.Client, "10.0.0.1 55 80\r\nwho\n");
        Assert.Equal(new ProxyProtocolReader.Outcome(true, IPEndPoint.Parse("192.0.2.5:55"), null) { Destination = IPEndPoint.Parse("10.0.0.1:80") }, await reading);
        await AssertRestIs(pair, "who\n");
    }

    [Fact]
    public async Task Optional_leaves_a_few_bytes_that_may_begin_a_header_until_it_can_tell()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROX");
        await pair.ServerHasAsync(4);
        var reading = Read(pair, ProxyProtocolMode.Optional, Long);
        await SendAsync(pair.Client, "Y TCP6 2001:db8::1 2001:db8::2 4000 443\r\nhi");
        Assert.Equal(new ProxyProtocolReader.Outcome(true, IPEndPoint.Parse("[2001:db8::1]:4000"), null) { Destination = IPEndPoint.Parse("[2001:db8::2]:443") }, await reading);
        await AssertRestIs(pair, "hi");
    }

    [Fact]
    public async Task Optional_serves_data_that_is_no_header_as_it_is()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "GET / HTTP/1.0\r\n");
        Assert.Equal(new ProxyProtocolReader.Outcome(true, null, null), await Read(pair, ProxyProtocolMode.Optional, Long));
        await AssertRestIs(pair, "GET / HTTP/1.0\r\n");
    }

    [Fact]
    public async Task On_refuses_data_that_is_no_header()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "GET / HTTP/1.0\r\n");
        Assert.Equal(new ProxyProtocolReader.Outcome(false, null, "the connection does not start with a PROXY protocol header"),
            await Read(pair, ProxyProtocolMode.On, Long));
    }

    [Fact]
    public async Task Optional_refuses_data_that_stops_being_a_header_after_part_of_one_was_taken()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROXY TCP4 ");
        await pair.ServerHasAsync(11);
        var reading = Read(pair, ProxyProtocolMode.Optional, Long);
        await pair.ServerHasAsync(0);
        await SendAsync(pair.Client, "1.2.3.4 5.6.7.8 1 2\n"); // LF without CR
        Assert.Equal(new ProxyProtocolReader.Outcome(false, null, "malformed PROXY header: v1 header does not end with CRLF"), await reading);
    }

    [Theory]
    [InlineData(ProxyProtocolMode.On)]
    [InlineData(ProxyProtocolMode.Optional)]
    public async Task A_malformed_header_is_refused_with_the_parsers_reason(ProxyProtocolMode mode)
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROXY TCP4 nonsense\r\nwho\n");
        Assert.Equal(new ProxyProtocolReader.Outcome(false, null, "malformed PROXY header: v1 header has 3 fields, not 6"),
            await Read(pair, mode, Long));
    }

    [Theory]
    [InlineData(ProxyProtocolMode.On, false)]
    [InlineData(ProxyProtocolMode.Optional, true)]
    public async Task A_client_that_ends_without_a_byte_is_served_only_when_the_header_is_optional(ProxyProtocolMode mode, bool ok)
    {
        using var pair = await SocketPair.ConnectAsync();
        pair.Client.Shutdown(SocketShutdown.Send);
        var outcome = await Read(pair, mode, Long);
        Assert.Equal(ok ? new(true, null, null) : new ProxyProtocolReader.Outcome(false, null, "the connection closed before its PROXY header ended"), outcome);
    }

    [Theory]
    [InlineData(ProxyProtocolMode.On)]
    [InlineData(ProxyProtocolMode.Optional)]
    public async Task A_client_that_ends_inside_its_header_is_refused(ProxyProtocolMode mode)
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROXY TCP4 1.2.");
        pair.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal(new ProxyProtocolReader.Outcome(false, null, "the connection closed before its PROXY header ended"), await Read(pair, mode, Long));
    }

    [Theory]
    [InlineData(ProxyProtocolMode.On)]
    [InlineData(ProxyProtocolMode.Optional)]
    public async Task A_header_that_stalls_is_refused_at_the_timeout_with_its_bytes_taken(ProxyProtocolMode mode)
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROXY TCP4 1.2.");
        Assert.Equal(new ProxyProtocolReader.Outcome(false, null, $"no complete PROXY header within {Short}"), await Read(pair, mode, Short));
        Assert.Equal(0, pair.Server.Available);
    }

    [Fact]
    public async Task Silence_until_the_timeout_is_served_when_optional_and_refused_when_required()
    {
        using (var pair = await SocketPair.ConnectAsync())
            Assert.Equal(new ProxyProtocolReader.Outcome(true, null, null), await Read(pair, ProxyProtocolMode.Optional, Short));
        using (var pair = await SocketPair.ConnectAsync())
            Assert.Equal(new ProxyProtocolReader.Outcome(false, null, $"no complete PROXY header within {Short}"), await Read(pair, ProxyProtocolMode.On, Short));
    }

    [Fact]
    public async Task Optional_leaves_a_stalled_prefix_of_a_signature_to_the_client_at_the_timeout()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PRO");
        await pair.ServerHasAsync(3);
        Assert.Equal(new ProxyProtocolReader.Outcome(true, null, null), await Read(pair, ProxyProtocolMode.Optional, Short));
        Assert.Equal(3, pair.Server.Available); // the bytes are the client's data
    }

    [Fact]
    public async Task On_takes_a_stalled_prefix_of_a_signature_as_the_start_of_its_header()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PRO");
        await pair.ServerHasAsync(3);
        Assert.Equal(new ProxyProtocolReader.Outcome(false, null, $"no complete PROXY header within {Short}"), await Read(pair, ProxyProtocolMode.On, Short));
        Assert.Equal(0, pair.Server.Available);
    }

    [Fact]
    public async Task A_reset_inside_the_header_is_a_failure_saying_so()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PROXY TCP4 1.");
        await pair.ServerHasAsync(13);
        var reading = Read(pair, ProxyProtocolMode.Optional, Long);
        await pair.ServerHasAsync(0);
        pair.ResetClient();
        var outcome = await reading;
        Assert.False(outcome.Ok);
        Assert.Null(outcome.Client);
        Assert.StartsWith("the connection failed before its PROXY header: ", outcome.Error);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 10.0.0.1 51234 8080\r\nwho\n")]
    [InlineData("PROXY TCP4 nonsense\r\n")]
    [InlineData("PROXY ")] // recognisably a header's start: no need to wait for the rest
    public async Task An_untrusted_peer_in_optional_mode_may_not_send_a_header_nor_pass_it_on_as_data(string sent)
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, sent);
        Assert.Equal(new ProxyProtocolReader.Outcome(false, null, "a PROXY header from a peer not in proxy-protocol-trusted"),
            await ProxyProtocolReader.ReadAsync(pair.Server, ProxyProtocolMode.Optional, Long, trusted: false));
    }

    [Fact]
    public async Task An_untrusted_peer_in_optional_mode_is_served_with_data_that_is_no_header()
    {
        using var pair = await SocketPair.ConnectAsync();
        await SendAsync(pair.Client, "PRO");
        await pair.ServerHasAsync(3);
        var reading = ProxyProtocolReader.ReadAsync(pair.Server, ProxyProtocolMode.Optional, Long, trusted: false);
        await SendAsync(pair.Client, "GRAM\n"); // "PROGRAM": only looked like a header's start
        Assert.Equal(new ProxyProtocolReader.Outcome(true, null, null), await reading);
        await AssertRestIs(pair, "PROGRAM\n");
    }
}
