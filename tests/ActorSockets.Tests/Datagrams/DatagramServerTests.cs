using System.Net;
using System.Net.Sockets;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Datagrams;

public class DatagramServerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    public static TheoryData<string, ServerMode> KindsAndModes()
    {
        var data = new TheoryData<string, ServerMode>();
        foreach (var kind in new[] { "tcp", "udp", "unix", "unixdgram" })
            foreach (var mode in new[] { ServerMode.Sync, ServerMode.Threading })
                data.Add(kind, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndModes))]
    public async Task Every_kind_and_mode_echoes_hello_world_three_times_to_a_python_client(string kind, ServerMode mode)
    {
        var path = NewUnixPath();
        var (options, handler) = kind switch
        {
            "tcp" => (ServerOptions.Tcp(mode: mode), Props.Create<LineEchoHandler>()),
            "udp" => (ServerOptions.Udp(mode: mode), Props.Create<EchoOrBoomDatagramHandler>()),
            "unix" => (ServerOptions.UnixStream(path, mode), Props.Create<LineEchoHandler>()),
            _ => (ServerOptions.UnixDatagram(path, mode), Props.Create<EchoOrBoomDatagramHandler>()),
        };
        var server = await ServeAsync(options, handler);
        var address = kind.StartsWith("unix") ? path : server.Port.ToString();

        var (exit, stdout, stderr) = await Python.RunAsync("echo_client.py", kind, address);

        Assert.True(exit == 0, $"stdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Equal(["b'hello world\\n'", "b'hello world\\n'", "b'hello world\\n'"],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("unixdgram")]
    public async Task A_datagram_larger_than_MaxPacketSize_is_dropped_counted_and_the_server_goes_on(string kind)
    {
        const int max = 64;
        var path = NewUnixPath();
        var options = (kind == "udp" ? ServerOptions.Udp(mode: ServerMode.Sync) : ServerOptions.UnixDatagram(path, ServerMode.Sync))
            with { MaxPacketSize = max };
        var server = await ServeAsync(options, Props.Create(() => new ProbeDatagramHandler(TestActor)));
        using var client = kind == "udp" ? DatagramClient.Udp(server.Port) : DatagramClient.Unix(path);

        await client.SendAsync(new string('x', max + 1));   // one byte too many
        await client.SendAsync(new string('y', 10 * max));  // far too many
        var exact = new string('z', max);                   // exactly the limit is fine
        await client.SendAsync(exact);

        // Sync mode serves in arrival order, so a reply to a dropped datagram would come first.
        Assert.Equal(exact, await client.ReceiveAsync());
        ExpectMsg($"got {exact} from {client.Address}");
        var stats = await server.GetStatsAsync();
        Assert.Equal((3, 2, 1), (stats.Received, stats.OversizeDatagrams, stats.Accepted));
        // Sync mode serves in arrival order: a handler for an oversize one would have told the
        // probe before "exact"'s did, and a reply to it would have arrived before exact's reply.
        Assert.Equal(0, client.Socket.Available);
        ExpectNoMsg(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(ServerMode.Sync)]
    [InlineData(ServerMode.Threading)]
    public async Task A_throwing_datagram_handler_is_reported_and_the_server_keeps_serving(ServerMode mode)
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Udp(mode: mode), Props.Create<EchoOrBoomDatagramHandler>(), hooks);
        using var client = DatagramClient.Udp(server.Port);

        await client.SendAsync("boom");
        await Eventually.Until(() => { lock (hooks.Errors) return hooks.Errors.Count == 1; }, Deadline, "handle_error for the throwing handler");
        Assert.Equal(client.Address, hooks.Errors[0].Request.ClientAddress);
        Assert.Equal("boom", hooks.Errors[0].Error.Message);

        Assert.Equal("still here", await client.RoundTripAsync("still here"));
        Assert.Equal(0, client.Socket.Available); // the failed request sent nothing
    }

    [Fact]
    public async Task A_refused_datagram_is_dropped_without_a_handler_running()
    {
        var options = ServerOptions.Udp(mode: ServerMode.Sync) with { Deny = [IPNetwork.Parse("127.0.0.2/32")] };
        var server = await ServeAsync(options, Props.Create(() => new ProbeDatagramHandler(TestActor)));
        using var denied = DatagramClient.Udp(server.Port, fromAddress: "127.0.0.2");
        using var allowed = DatagramClient.Udp(server.Port, fromAddress: "127.0.0.1");

        await denied.SendAsync("let me in");
        await Eventually.Until(() => Stats(server).Refused == 1, Deadline, "the denied datagram to be taken");
        Assert.Equal("welcome", await allowed.RoundTripAsync("welcome"));

        ExpectMsg($"got welcome from {allowed.Address}"); // the only handler that ran
        // Sync mode: the denied datagram was dealt with before "welcome" (Refused == 1 first), so
        // a reply to it would be in its socket by now (loopback delivers within the send), and a
        // handler for it would have told the probe before welcome's did.
        Assert.Equal(0, denied.Socket.Available);
        ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task Verify_request_is_asked_per_datagram()
    {
        int asked = 0;
        var hooks = new RecordingHooks { Verify = _ => Interlocked.Increment(ref asked) % 2 == 0 }; // every other one
        var server = await ServeAsync(ServerOptions.Udp(mode: ServerMode.Sync), Props.Create(() => new ProbeDatagramHandler(TestActor)), hooks);
        using var client = DatagramClient.Udp(server.Port);

        await client.SendAsync("first");  // refused
        await client.SendAsync("second"); // admitted
        Assert.Equal("second", await client.ReceiveAsync());
        ExpectMsg($"got second from {client.Address}");
        Assert.Equal(2, asked);
    }

    [Fact]
    public async Task Threading_mode_handles_datagrams_concurrently()
    {
        const int n = 4;
        var rendezvous = new Rendezvous(n); // opens only when all n handlers are active at once
        var server = await ServeAsync(ServerOptions.Udp(mode: ServerMode.Threading),
            Props.Create(() => new GatedDatagramHandler(TestActor, rendezvous.Arrive)));
        var clients = Enumerable.Range(0, n).Select(_ => Track(DatagramClient.Udp(server.Port))).ToList();

        for (int i = 0; i < n; i++) await clients[i].SendAsync($"d{i}");
        var replies = await Task.WhenAll(clients.Select(c => c.ReceiveAsync()));
        Assert.Equal(Enumerable.Range(0, n).Select(i => $"done d{i}"), replies);
    }

    [Fact]
    public async Task Sync_mode_takes_the_next_datagram_only_after_the_previous_request_finished()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = TestActor;
        var held = 0;
        Func<Task> gate = async () =>
        {
            if (Interlocked.Increment(ref held) != 1) return;
            await release.Task;
            probe.Tell("one released");
        };
        var server = await ServeAsync(ServerOptions.Udp(mode: ServerMode.Sync),
            Props.Create(() => new GatedDatagramHandler(TestActor, gate)));
        using var first = DatagramClient.Udp(server.Port);
        using var second = DatagramClient.Udp(server.Port);

        await first.SendAsync("one");
        ExpectMsg("started one");
        await second.SendAsync("two");

        // A sync server shows nothing while it holds "two", so this is a window, but a long one:
        // a server serving both at once starts "two" within milliseconds.
        ExpectNoMsg(TimeSpan.FromSeconds(1));
        release.SetResult();
        // And order: the first request ends before the second starts.
        ExpectMsg("one released");
        Assert.Equal("done one", await first.ReceiveAsync());
        ExpectMsg("started two");
        Assert.Equal("done two", await second.ReceiveAsync());
    }

    [Fact]
    public async Task A_handler_can_answer_more_than_once()
    {
        var server = await ServeAsync(ServerOptions.Udp(), Props.Create<ChattyDatagramHandler>());
        using var client = DatagramClient.Udp(server.Port);

        await client.SendAsync("hi");
        Assert.Equal("one hi", await client.ReceiveAsync());
        Assert.Equal("two hi", await client.ReceiveAsync());
        Assert.Equal("three hi", await client.ReceiveAsync());
    }

    [Fact]
    public async Task Handle_request_times_out_with_the_hook_then_serves_one_datagram()
    {
        var hooks = new RecordingHooks();
        var server = await ServeAsync(ServerOptions.Udp(mode: ServerMode.Sync), Props.Create<EchoOrBoomDatagramHandler>(), hooks, serve: false);

        Assert.Equal(RequestOutcome.TimedOut, await server.HandleRequestAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(1, hooks.Timeouts);

        using var client = DatagramClient.Udp(server.Port);
        var handled = server.HandleRequestAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("one", await client.RoundTripAsync("one"));
        Assert.Equal(RequestOutcome.Served, await handled.Within(Deadline, "handle_request"));

        await client.SendAsync("not served yet"); // arrives while nobody serves: kept for the next call
        Assert.Equal(RequestOutcome.Served, await server.HandleRequestAsync(TimeSpan.FromSeconds(10)).Within(Deadline, "handle_request"));
        Assert.Equal("not served yet", await client.ReceiveAsync());
        Assert.Equal(1, hooks.Timeouts);
    }

    [Fact]
    public async Task Service_actions_tick_while_serving_datagrams()
    {
        var hooks = new RecordingHooks();
        await ServeAsync(ServerOptions.Udp() with { ServiceInterval = TimeSpan.FromMilliseconds(20) }, Props.Create<EchoOrBoomDatagramHandler>(), hooks);
        await Eventually.Until(() => hooks.Ticks >= 3, Deadline, "three service_actions ticks");
    }

    [Fact]
    public async Task Shutdown_from_inside_a_datagram_handler_returns_and_serving_can_resume()
    {
        var server = await ServeAsync(ServerOptions.Udp(), Props.Create<ShutdownDatagramHandler>(), serve: false);
        var serving = server.ServeForeverAsync();
        using var client = DatagramClient.Udp(server.Port);

        Assert.Equal("shut down", await client.RoundTripAsync("stop please"));
        await serving.Within(Deadline, "ServeForeverAsync to return after shutdown");

        _ = server.ServeForeverAsync(); // serve_forever again after shutdown, as socketserver allows
        Assert.Equal("shut down", await client.RoundTripAsync("again"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a kept handler ([ReusableHandler]): its requests are drained as well
    public async Task Close_waits_for_a_datagram_in_flight_and_its_reply_still_goes_out(bool kept)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<Task> gate = () => release.Task;
        var handler = kept
            ? Props.Create(() => new KeptGatedDatagramHandler(TestActor, gate))
            : Props.Create(() => new GatedDatagramHandler(TestActor, gate));
        var server = await ServeAsync(ServerOptions.Udp(), handler);
        using var client = DatagramClient.Udp(server.Port);
        await client.SendAsync("slow");
        ExpectMsg("started slow");

        var closing = server.CloseAsync();
        // A close that waits shows nothing while it waits (no stats answer during the drain), so
        // this is a window; a close that did not wait would be done within milliseconds.
        var early = await Task.WhenAny(closing, Task.Delay(300));
        Assert.NotSame(closing, early); // close waits for the request in flight
        release.SetResult();
        Assert.Equal("done slow", await client.ReceiveAsync());
        await closing.Within(Deadline, "close after the drain");
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebind.Bind(new IPEndPoint(IPAddress.Loopback, server.Port)); // the port is free once closed
    }

    [Fact]
    public async Task A_second_UDP_server_on_a_bound_port_fails_instead_of_sharing_it()
    {
        var first = await ServeAsync(ServerOptions.Udp(), Props.Create<EchoOrBoomDatagramHandler>());
        var error = await Assert.ThrowsAsync<IOException>(() =>
            SocketServer.StartAsync(ServerOptions.Udp(port: first.Port), Props.Create<EchoOrBoomDatagramHandler>(), system: Sys));
        Assert.Contains($"127.0.0.1:{first.Port}", error.Message);
        using var client = DatagramClient.Udp(first.Port);
        Assert.Equal("mine", await client.RoundTripAsync("mine"));
    }

    [Fact]
    public async Task ReusePort_lets_two_UDP_servers_share_a_port()
    {
        var first = await ServeAsync(ServerOptions.Udp() with { ReusePort = true }, Props.Create<EchoOrBoomDatagramHandler>());
        var second = await ServeAsync(ServerOptions.Udp(port: first.Port) with { ReusePort = true }, Props.Create<EchoOrBoomDatagramHandler>());
        Assert.Equal(first.Port, second.Port);
        using var client = DatagramClient.Udp(first.Port);
        Assert.Equal("either", await client.RoundTripAsync("either"));
    }

    [Fact]
    public async Task An_IPv6_UDP_server_echoes()
    {
        var server = await ServeAsync(ServerOptions.Udp("::1"), Props.Create<EchoOrBoomDatagramHandler>());
        using var client = DatagramClient.Udp(new IPEndPoint(IPAddress.IPv6Loopback, server.Port), fromAddress: "::1");
        Assert.Equal("over six", await client.RoundTripAsync("over six"));
    }

    [Theory]
    [InlineData("MaxPacketSize", "udp")]
    [InlineData("MaxPacketSize", "forking")]
    [InlineData("UnixSocketMode", "udp")]
    public void Invalid_datagram_options_fail_with_the_setting_named(string setting, string variant)
    {
        var options = (setting, variant) switch
        {
            ("MaxPacketSize", "udp") => ServerOptions.Udp() with { MaxPacketSize = 70000 }, // over the UDP maximum
            ("MaxPacketSize", _) => ServerOptions.UnixDatagram(NewUnixPath(), ServerMode.Forking) with { MaxPacketSize = 100_000 },
            _ => ServerOptions.Udp() with { UnixSocketMode = UnixFileMode.UserRead },
        };
        var error = Assert.Throws<ArgumentException>(() => new SocketServer(options, Props.Create<EchoOrBoomDatagramHandler>(), system: Sys));
        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public async Task A_reply_written_in_pieces_larger_than_a_message_chunk_leaves_as_one_datagram()
    {
        var path = NewUnixPath();
        var server = await ServeAsync(ServerOptions.UnixDatagram(path), Props.Create<BigReplyDatagramHandler>());
        using var client = DatagramClient.Unix(path);

        await client.SendAsync("100000");
        var reply = await client.ReceiveBytesAsync();
        Assert.Equal(100_000, reply.Length);
        Assert.Equal(Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251)), reply);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a kept handler ([ReusableHandler]) is ready for the next datagram too
    public async Task A_reply_over_the_write_buffer_limit_is_dropped_counted_and_the_next_datagram_is_served(bool kept)
    {
        var options = ServerOptions.Udp() with { WriteBufferLimit = 4096 };
        var server = await ServeAsync(options, kept ? Props.Create<KeptBigReplyDatagramHandler>() : Props.Create<BigReplyDatagramHandler>());
        using var client = DatagramClient.Udp(server.Port);

        await client.SendAsync("10000");
        await server.StatsWhenAsync(s => s.WriteLimitFailures == 1 && s.ActiveConnections == 0, "the write limit to end the request");
        Assert.Equal(100, (await client.RoundTripAsync("100")).Length);
        Assert.Equal(0, client.Socket.Available); // the oversized reply never went out
    }

    [Theory]
    [InlineData(ServerMode.Threading)]
    [InlineData(ServerMode.Sync)]
    public async Task A_burst_of_datagrams_queued_in_the_kernel_is_answered_each_to_its_own_client(ServerMode mode)
    {
        const int clients = 8, each = 5;
        var server = await ServeAsync(ServerOptions.Udp(mode: mode), Props.Create<EchoOrBoomDatagramHandler>());
        var senders = Enumerable.Range(0, clients).Select(_ => Track(DatagramClient.Udp(server.Port))).ToList();

        for (int i = 0; i < each; i++) // all sent before any reply is read: they queue in the server's socket
            for (int c = 0; c < clients; c++) await senders[c].SendAsync($"c{c} n{i}");
        for (int c = 0; c < clients; c++)
        {
            var replies = new List<string>();
            for (int i = 0; i < each; i++) replies.Add(await senders[c].ReceiveAsync());
            Assert.Equal(Enumerable.Range(0, each).Select(i => $"c{c} n{i}").Order(), replies.Order());
        }
        await server.StatsWhenAsync(s => s.Accepted == clients * each && s.ActiveConnections == 0, "every datagram served");
    }

    private static ServerStats Stats(SocketServer server) => server.GetStatsAsync().GetAwaiter().GetResult();
}
