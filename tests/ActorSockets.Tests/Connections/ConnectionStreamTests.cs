using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using ActorSockets.Tls;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Connections;

public class ConnectionStreamTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_stream_reader_and_writer_serve_a_plain_connection()
    {
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<StreamReaderHandler>());
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("hello\nstream\n");
        Assert.Equal("HELLO\n", await client.ReadLineAsync());
        Assert.Equal("STREAM\n", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_stream_serves_a_tls_connection()
    {
        using var certs = new TestCertificates();
        var options = ServerOptions.Tcp() with { Tls = new TlsOptions { Certificate = certs.ServerCert, Key = certs.ServerKey } };
        var server = await ServeAsync(options, Props.Create<StreamReaderHandler>());
        var (_, stdout, stderr) = await Python.RunAsync("tls_client.py", server.Port.ToString(), certs.CaPem, "--line", "over tls");
        Output.WriteLine(stdout + stderr);
        Assert.Contains("\nOVER TLS\n", stdout);
    }

    [Fact]
    public async Task The_read_timeout_holds_for_stream_reads()
    {
        var server = await ServeAsync(ServerOptions.Tcp() with { ReadTimeout = TimeSpan.FromMilliseconds(300) }, Props.Create<StreamReaderHandler>());
        using var client = await TestClient.ConnectAsync(server.Port); // says nothing
        Assert.Equal("timeout\n", await client.ReadLineAsync(Deadline));
        await server.StatsWhenAsync(s => s.ReadTimeouts == 1, "the stream read's timeout counted");
    }

    [Fact]
    public async Task Stream_writes_wait_for_a_client_that_does_not_read()
    {
        const int total = 16 * 1024 * 1024;
        var options = ServerOptions.Tcp() with { WriteBufferLimit = 64 * 1024 };
        var server = await ServeAsync(options, Props.Create(() => new StreamFloodHandler(TestActor, total)));
        using var client = await TestClient.ConnectAsync(server.Port, receiveBuffer: 4096);
        // 16 MiB cannot have gone into a client that reads nothing. A writer waiting on a full
        // socket shows nothing, so this is a window; one that ignored the limit is done in milliseconds.
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        var all = await client.ReadToEndBytesAsync(TimeSpan.FromSeconds(30)); // reading lets the writer finish
        Assert.Equal(total, all.Length);
        ExpectMsg("done");
        var stats = await server.GetStatsAsync();
        Assert.Equal(0, stats.WriteLimitFailures); // slowed down, never failed
    }

    /// <summary>Upper-cases lines through a StreamReader and StreamWriter over the connection stream;
    /// a read that times out is answered "timeout".</summary>
    public sealed class StreamReaderHandler : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            var stream = GetStream();
            using var reader = new StreamReader(stream, leaveOpen: true);
            await using var writer = new StreamWriter(stream, leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
            try
            {
                while (await reader.ReadLineAsync() is { } line) await writer.WriteLineAsync(line.ToUpperInvariant());
            }
            catch (ReadTimeoutException)
            {
                await writer.WriteLineAsync("timeout");
            }
        }
    }

    /// <summary>Writes <c>total</c> bytes through the stream, then tells the probe "done".</summary>
    public sealed class StreamFloodHandler(IActorRef probe, int total) : StreamRequestHandler
    {
        protected override async Task HandleAsync()
        {
            var stream = GetStream();
            var chunk = new byte[64 * 1024];
            for (int sent = 0; sent < total; sent += chunk.Length) await stream.WriteAsync(chunk);
            await stream.FlushAsync();
            probe.Tell("done");
        }
    }
}
