using System.Text;
using KeyValue.Resp;
using Xunit;

namespace ActorSockets.Tests.KeyValue;

/// <summary>The KeyValue sample's RESP request parser, alone: multibulk and inline requests,
/// requests split anywhere across reads, pipelined batches, and redis-server's protocol errors.</summary>
public class RespParserTests
{
    private static List<string[]> ReadAll(RespParser parser)
    {
        var commands = new List<string[]>();
        while (parser.TryRead() == RespRead.Command)
            commands.Add([.. parser.Arguments.Select(a => Encoding.Latin1.GetString(a.Span))]);
        return commands;
    }

    private static List<string[]> Parse(string input)
    {
        var parser = new RespParser();
        parser.Append(Encoding.Latin1.GetBytes(input));
        return ReadAll(parser);
    }

    [Fact]
    public void Multibulk_requests_are_read_whole_with_binary_payloads()
    {
        var commands = Parse("*3\r\n$3\r\nSET\r\n$4\r\nk\r\nx\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n");
        Assert.Equal([["SET", "k\r\nx", ""], ["PING"]], commands);
    }

    [Fact]
    public void Inline_requests_split_like_redis_server_with_quotes_and_escapes()
    {
        var commands = Parse("  set   \"a b\" \"c\\x41\\n\"\r\n\r\nPING\n  \r\nfoo\"bar\" x\r\n");
        Assert.Equal([["set", "a b", "cA\n"], ["PING"], ["foobar", "x"]], commands);
        var parser = new RespParser();
        parser.Append("get 'it\\'s'\r\n"u8);
        Assert.Equal([["get", "it's"]], ReadAll(parser));
    }

    [Fact]
    public void A_request_split_at_every_byte_is_read_once_complete()
    {
        var bytes = Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$5\r\nhello\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n");
        for (int split = 0; split <= bytes.Length; split++)
        {
            var parser = new RespParser();
            var commands = new List<string[]>();
            parser.Append(bytes.AsSpan(0, split));
            commands.AddRange(ReadAll(parser));
            parser.Append(bytes.AsSpan(split));
            commands.AddRange(ReadAll(parser));
            Assert.Equal([["GET", "hello"], ["PING"], ["ECHO", "hi"]], commands);
        }
    }

    [Fact]
    public void A_pipelined_batch_of_ten_thousand_commands_is_read_in_order()
    {
        var batch = new StringBuilder();
        for (int i = 0; i < 10_000; i++) batch.Append($"*2\r\n$3\r\nGET\r\n${i.ToString().Length}\r\n{i}\r\n");
        var commands = Parse(batch.ToString());
        Assert.Equal(10_000, commands.Count);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => i.ToString()), commands.Select(c => c[1]));
    }

    [Fact]
    public void Empty_requests_are_skipped_as_redis_server_skips_them()
        => Assert.Equal([["PING"]], Parse("*0\r\n*-1\r\n\r\n   \r\nPING\r\n"));

    [Theory]
    [InlineData("*x\r\n", "ERR Protocol error: invalid multibulk length")]
    [InlineData("*1048577\r\n", "ERR Protocol error: invalid multibulk length")]
    [InlineData("*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*2\r\n:x\r\n", "ERR Protocol error: expected '$', got ':'")]
    [InlineData("set \"abc\r\n", "ERR Protocol error: unbalanced quotes in request")]
    [InlineData("set \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request")]
    public void Malformed_requests_give_redis_servers_protocol_errors(string input, string error)
    {
        var parser = new RespParser();
        parser.Append(Encoding.ASCII.GetBytes(input));
        Assert.Equal(RespRead.ProtocolError, parser.TryRead());
        Assert.Equal(error, parser.Error);
    }

    [Fact]
    public void An_inline_request_without_its_line_end_past_64_KiB_is_refused()
    {
        var parser = new RespParser();
        parser.Append(Encoding.ASCII.GetBytes(new string('a', RespParser.MaxInlineLength)));
        Assert.Equal(RespRead.Incomplete, parser.TryRead());
        parser.Append("aa"u8);
        Assert.Equal(RespRead.ProtocolError, parser.TryRead());
        Assert.Equal("ERR Protocol error: too big inline request", parser.Error);
    }

    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("-12", true, -12L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("01", false, 0L)]
    [InlineData("-0", false, 0L)]
    [InlineData("+1", false, 0L)]
    [InlineData(" 1", false, 0L)]
    [InlineData("", false, 0L)]
    public void Integers_are_read_as_strictly_as_redis_server_reads_them(string text, bool valid, long expected)
    {
        Assert.Equal(valid, RespNumbers.TryParse(Encoding.ASCII.GetBytes(text), out long value));
        if (valid) Assert.Equal(expected, value);
    }
}
