using System.Net.Sockets;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>Issue item 3: line and write limits bound memory whatever the client does; read
/// buffers go back to the pool. Measured over the whole process, so run alone.</summary>
[Collection(Measurements.Name)]
public class BoundedMemoryTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_ten_MiB_line_without_a_newline_costs_the_server_at_most_the_line_limit()
    {
        var hooks = new CountingHooks();
        var options = ServerOptions.Tcp();
        var server = await ServeAsync(options, Props.Create(() => new TextLineHandler(TestActor)), hooks);
        var line = new byte[10 * 1024 * 1024];
        Array.Fill(line, (byte)'x');
        using var pool = CountingPool.Install();
        await TestClient.RequestLineAsync(server.Port, "warm");
        await Eventually.Until(() => pool.Outstanding == 0, Deadline, "the warm-up connection's buffer to go back");
        pool.ResetPeaks();

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var client = await TestClient.ConnectAsync(server.Port);
        var sending = client.Socket.SendAsync(line, SocketFlags.None);
        var error = await ExpectMsgAsync<LineTooLongException>(Deadline);
        bool closed = await client.IsClosedByServerAsync();
        try { await sending.Within(Deadline, "the send to end"); } catch (SocketException) { } // the server closed while we were still sending
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the connection to end");
        await pool.SettledAsync(Deadline);
        Output.WriteLine($"10 MiB line: read failed with '{error.Message}'; the whole process allocated {Measurements.MiB(allocated)} meanwhile; {pool}; {stats}");
        Assert.True(closed, "the client sees the connection closed");
        Assert.Contains(options.MaxLineLength.ToString(), error.Message);
        // The connection's input buffer may grow to the longest line (or read chunk) plus one
        // byte, and no further: a server that buffers more before failing asks the pool for more.
        int mostNeeded = Math.Max(options.MaxLineLength, ActorSockets.Handlers.ConnectionContract.MaxChunk) + 1;
        Assert.InRange(pool.LargestAsked, 1, mostNeeded);
        // At most the grown buffer and the one it grows from are out at once (pool arrays are
        // powers of two), nowhere near the 10 MiB sent.
        long mostHeld = 2L * (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)mostNeeded);
        Assert.InRange(pool.PeakOutstandingBytes, 1, mostHeld);
        Assert.Equal(0, pool.Outstanding);
        // Nor do bigger buffers come from outside the pool: what the whole process allocated
        // meanwhile (actor messages, the error, its log line) stays within twice that plus 512 KiB.
        Assert.InRange(allocated, 0, 2 * mostHeld + 512 * 1024);
        Assert.Equal((1L, 1L), (stats.LinesTooLong, stats.HandlerFailures));
        Assert.Equal("4\n", await TestClient.RequestLineAsync(server.Port, "fine"));
    }

    [Fact]
    public async Task A_handler_writing_to_a_client_that_does_not_read_is_slowed_at_the_write_buffer_limit_and_loses_nothing()
    {
        const long total = 64L * 1024 * 1024;
        var progress = new SharedCounter();
        var options = ServerOptions.Tcp() with { WriteBufferLimit = 256 * 1024 };
        var server = await ServeAsync(options, Props.Create(() => new FloodHandler(TestActor, progress, total)));
        using var client = await TestClient.ConnectAsync(server.Port, receiveBuffer: 64 * 1024);

        // The handler gets ahead of the client by at most the write buffer limit plus what the
        // kernel buffers on both sides, then waits: wait until it has stopped making progress.
        long last = -1;
        await Eventually.Until(() =>
        {
            long now = Interlocked.Read(ref progress.Value);
            bool stalled = now == last && now > 0;
            last = now;
            return stalled;
        }, TimeSpan.FromSeconds(20), "the handler to stall");
        long ahead = Interlocked.Read(ref progress.Value);
        long kernel = KernelSendBufferMax() + 2 * 64 * 1024; // the server's send buffer, the client's receive buffer
        Output.WriteLine($"handler stalled {Measurements.MiB(ahead)} ahead of a client that read nothing (of {Measurements.MiB(total)}; limit {options.WriteBufferLimit / 1024} KiB + kernel {Measurements.MiB(kernel)})");
        Assert.InRange(ahead, 1, options.WriteBufferLimit + kernel + 64 * 1024);

        long received = (await client.ReadToEndBytesAsync(TimeSpan.FromSeconds(60))).LongLength; // now it reads: all of it arrives
        await ExpectMsgAsync("flood done");
        Output.WriteLine($"then the client read {Measurements.MiB(received)}");
        Assert.Equal(total, received);
        Assert.Equal(0, (await server.GetStatsAsync()).WriteLimitFailures);
    }

    [Fact]
    public async Task A_stuck_writer_is_freed_by_the_idle_timeout()
    {
        var progress = new SharedCounter();
        var options = ServerOptions.Tcp() with { IdleTimeout = TimeSpan.FromMilliseconds(500) };
        var server = await ServeAsync(options, Props.Create(() => new FloodHandler(TestActor, progress, 1L << 30)));
        using var client = await TestClient.ConnectAsync(server.Port, receiveBuffer: 64 * 1024);
        var stats = await server.StatsWhenAsync(s => s.IdleTimeouts == 1 && s.ActiveConnections == 0, "the idle timeout to close the stuck writer");
        long buffered = (await client.ReadToEndBytesAsync(TimeSpan.FromSeconds(30))).LongLength; // what was in flight, then EOF
        Output.WriteLine($"stuck writer closed after writing {Measurements.MiB(progress.Value)}; the client then read {Measurements.MiB(buffered)} and EOF; {stats}");
        // progress counts a chunk once WriteAsync returns: the chunk under way when the connection
        // closed may have reached the client too, so the bound is what was written plus that chunk.
        Assert.InRange(buffered, 1, progress.Value + 64 * 1024);
    }

    [Fact]
    public async Task Writes_past_the_write_buffer_limit_fail_the_connection_with_a_clear_warning()
    {
        var options = ServerOptions.Tcp() with { WriteBufferLimit = 256 * 1024 };
        var server = await ServeAsync(options, Props.Create(() => new OverfillHandler(256))); // 16 MiB, never waiting
        using var client = await TestClient.ConnectAsync(server.Port, receiveBuffer: 64 * 1024);
        await EventFilter.Warning(contains: "more than 262144 unsent bytes").ExpectOneAsync(async () =>
        {
            await client.SendAsync("go\n");
            await server.StatsWhenAsync(s => s.WriteLimitFailures == 1, "the write limit to fail the connection");
        });
        long received = (await client.ReadToEndBytesAsync(TimeSpan.FromSeconds(30))).LongLength;
        var stats = await server.StatsWhenAsync(s => s.ActiveConnections == 0, "the connection to end");
        Output.WriteLine($"handler queued 16 MiB without waiting: failed at the 256 KiB limit; the client got {Measurements.MiB(received)} then EOF; {stats}");
        Assert.InRange(received, 0, 16L * 1024 * 1024 - 1);
    }

    [Fact]
    public async Task Read_buffers_held_by_many_connections_are_returned_when_they_close()
    {
        const int connections = 200, partial = 60_000;
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create<LineEchoHandler>());
        await TestClient.RequestLineAsync(server.Port, "warm");
        var chunk = new byte[partial];
        Array.Fill(chunk, (byte)'p');
        var sink = new byte[64 * 1024];
        long before = Measurements.ManagedMemory();
        using var pool = CountingPool.Install();

        // Plain sockets, so the clients themselves hold no buffers to blur the figure.
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < connections; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                await client.ConnectAsync(System.Net.IPAddress.Loopback, server.Port).Within(Deadline, "connect");
                await client.SendAsync(chunk, SocketFlags.None).Within(Deadline, "send"); // a long line, not finished: the server must hold it
            }
            long holding = await HoldingAsync(before, (long)connections * partial);
            await Eventually.Until(() => pool.Outstanding >= connections, Deadline, $"every connection to hold a rented buffer ({pool})");
            int held = pool.Outstanding;

            foreach (var client in clients)
            {
                await client.SendAsync("\n"u8.ToArray(), SocketFlags.None).Within(Deadline, "send");
                client.Shutdown(SocketShutdown.Send);
            }
            foreach (var client in clients)
            {
                int echoed = 0;
                using var cts = new CancellationTokenSource(Deadline);
                for (int n; (n = await client.ReceiveAsync(sink, SocketFlags.None, cts.Token)) > 0;) echoed += n;
                Assert.Equal(partial + 1, echoed);
            }
            await server.StatsWhenAsync(s => s.ActiveConnections == 0, "every connection to end");
            await pool.SettledAsync(Deadline); // the asserts below say what stayed out
            long after = Measurements.ManagedMemory();

            Output.WriteLine($"managed memory: before {Measurements.MiB(before)}, holding {connections} half-read 60 KB lines {Measurements.MiB(holding)}, after they closed {Measurements.MiB(after)}; {held} buffers out at most; {pool}");
            // Counted at the pool, not in managed memory: an unreturned buffer is simply collected,
            // so memory after the close cannot tell a leak from a return. Every array rented
            // while the connections ran must be back: the allowance is zero.
            Assert.Equal(0, pool.Outstanding);
            Assert.Equal(pool.Rented, pool.Returned);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    /// <summary>Managed memory once the server holds at least <paramref name="expected"/> more bytes than <paramref name="before"/>.</summary>
    private static async Task<long> HoldingAsync(long before, long expected)
    {
        long holding = 0;
        await Eventually.Until(() => (holding = Measurements.ManagedMemory()) - before >= expected, TimeSpan.FromSeconds(20),
            "the server to hold the partial lines");
        return holding;
    }

    private static long KernelSendBufferMax()
        => long.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_wmem").Split('\t', ' ').Last(s => s.Trim().Length > 0));
}
