using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Handlers;

public sealed class FramingTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private async Task<TestClient> ConnectAsync(FrameFormat format, ServerOptions? options = null)
    {
        var server = await ServeAsync(options ?? ServerOptions.Tcp(), Props.Create(() => new FrameEchoHandler(format, TestActor)));
        return await TestClient.ConnectAsync(server.Port);
    }

    /// <summary>Frames "alpha" and "b" sent in one piece and then byte by byte: both arrive whole.</summary>
    private static async Task<string> RoundTripAsync(TestClient client, byte[] frames)
    {
        await client.SendAsync(frames);
        foreach (var b in frames) await client.SendAsync([b]);
        client.HalfClose();
        return await client.ReadToEndAsync();
    }

    [Theory]
    [InlineData(1, true, false)]
    [InlineData(2, true, false)]
    [InlineData(2, false, false)]
    [InlineData(4, true, true)]
    [InlineData(4, false, true)]
    public async Task Length_prefixed_frames_arrive_whole_however_the_bytes_are_cut(int prefix, bool bigEndian, bool includesPrefix)
    {
        using var client = await ConnectAsync(FrameFormat.LengthPrefixed(prefix, bigEndian, includesPrefix));
        byte[] Frame(string text)
        {
            var body = Encoding.UTF8.GetBytes(text);
            var frame = new byte[prefix + body.Length];
            uint length = (uint)(body.Length + (includesPrefix ? prefix : 0));
            switch (prefix)
            {
                case 1: frame[0] = (byte)length; break;
                case 2 when bigEndian: BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)length); break;
                case 2: BinaryPrimitives.WriteUInt16LittleEndian(frame, (ushort)length); break;
                case 4 when bigEndian: BinaryPrimitives.WriteUInt32BigEndian(frame, length); break;
                default: BinaryPrimitives.WriteUInt32LittleEndian(frame, length); break;
            }
            body.CopyTo(frame, prefix);
            return frame;
        }
        Assert.Equal("alpha\nb\n\nalpha\nb\n\nend\n", await RoundTripAsync(client, [.. Frame("alpha"), .. Frame("b"), .. Frame("")]));
    }

    [Fact]
    public async Task A_fixed_header_gives_the_body_length_and_the_frame_keeps_the_header()
    {
        // A 3-byte header: a type letter, then the body length as 16-bit little endian.
        var format = FrameFormat.FixedHeader(3, static (ref SequenceReader<byte> header) =>
        {
            header.Advance(1);
            header.TryReadLittleEndian(out short length);
            return length;
        });
        using var client = await ConnectAsync(format);
        const string Frames = "A\u0005\0hello\nB\0\0\n";
        Assert.Equal(Frames + Frames + "end\n", await RoundTripAsync(client, [(byte)'A', 5, 0, .. "hello"u8, (byte)'B', 0, 0]));
    }

    [Fact]
    public async Task Begin_and_end_marks_and_a_terminator_cut_frames_between_them()
    {
        using (var marked = await ConnectAsync(FrameFormat.BeginEndMark([0x02], "\r\x03"u8)))
            Assert.Equal("one\ntwo\none\ntwo\nend\n", await RoundTripAsync(marked, [0x02, .. "one\r\x03"u8, 0x02, .. "two\r\x03"u8]));
        using (var terminated = await ConnectAsync(FrameFormat.Terminator("##"u8)))
            Assert.Equal("a#b\n\na#b\n\nend\n", await RoundTripAsync(terminated, [.. "a#b####"u8]));
    }

    [Fact]
    public async Task Bytes_before_a_begin_mark_or_a_truncated_frame_fail_the_read_with_invalid_data()
    {
        using (var client = await ConnectAsync(FrameFormat.BeginEndMark([0x02], [0x03])))
        {
            await client.SendAsync("x"u8.ToArray());
            Assert.Contains("begin mark", (await ExpectMsgAsync<InvalidDataException>(Deadline)).Message);
        }
        using (var client = await ConnectAsync(FrameFormat.LengthPrefixed(2)))
        {
            await client.SendAsync([0, 10, 1, 2]);
            client.HalfClose();
            Assert.Contains("ended inside a frame", (await ExpectMsgAsync<InvalidDataException>(Deadline)).Message);
        }
    }

    [Theory]
    [InlineData("length")]
    [InlineData("terminator")]
    [InlineData("server limit")]
    public async Task A_frame_over_its_limit_fails_like_a_line_too_long_and_is_counted_as_one(string kind)
    {
        var (format, bytes) = kind switch
        {
            "length" => (FrameFormat.LengthPrefixed(4, maxFrameSize: 1024), new byte[] { 0, 0x10, 0, 0 }), // 1 MiB announced: refused before it is sent
            "terminator" => (FrameFormat.Terminator("\0"u8, maxFrameSize: 1024), Enumerable.Repeat((byte)'x', 2048).ToArray()),
            _ => (FrameFormat.Terminator("\0"u8), Enumerable.Repeat((byte)'x', 600).ToArray()), // over MaxLineLength = 512
        };
        var options = ServerOptions.Tcp() with { MaxLineLength = 512 };
        var server = await ServeAsync(options, Props.Create(() => new FrameEchoHandler(format, TestActor)));
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(bytes);
        var error = await ExpectMsgAsync<LineTooLongException>(Deadline);
        Assert.Contains("frame longer than", error.Message);
        await server.StatsWhenAsync(stats => stats.LinesTooLong == 1, "line_too_long counted");
    }

    /// <summary>A test protocol: every frame's payload is answered as a text line; a failed read is told to the probe.</summary>
    public sealed class FrameEchoHandler(FrameFormat format, IActorRef probe) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            try
            {
                while (await ReadFrameAsync(format) is { } frame) await WriteAsync(Encoding.UTF8.GetString(frame) + "\n");
                await WriteAsync("end\n");
            }
            catch (Exception e)
            {
                probe.Tell(e);
                throw;
            }
        }
    }
}
