using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorSockets.Forking;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Xunit;

namespace ActorSockets.Tests.Forking;

/// <summary>The link's framing and its descriptor passing (SCM_RIGHTS), on real sockets in one process.</summary>
public class DescriptorChannelTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_tcp_socket_passed_over_the_link_is_adopted_and_serves_its_client()
    {
        var dir = Directory.CreateTempSubdirectory("actorsockets-link-test-");
        try
        {
            using var linkListener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            var path = Path.Combine(dir.FullName, "l.sock");
            linkListener.Bind(new UnixDomainSocketEndPoint(path));
            linkListener.Listen(1);
            using var sender = DescriptorChannel.Connect(path);
            using var receiver = new DescriptorChannel(await linkListener.AcceptAsync().WaitAsync(Deadline));

            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            tcp.Listen(4);
            const int count = 20;
            var clients = new List<Socket>();
            for (int i = 0; i < count; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await client.ConnectAsync(tcp.LocalEndPoint!).WaitAsync(Deadline);
                clients.Add(client);
                using var accepted = await tcp.AcceptAsync().WaitAsync(Deadline);
                // A frame without a descriptor between ones with: each descriptor still goes to its own frame.
                sender.Send(HandoffProtocol.Close, HandoffProtocol.EncodeId(i));
                sender.Send(HandoffProtocol.Connection, HandoffProtocol.EncodeConnection(i, new ActorSockets.Handlers.RequestInfo("c", "s", $"handler-{i}", Akka.Actor.ActorRefs.Nobody), "p"), accepted.SafeHandle);
            } // the sender's copies are closed: only the receiver's descriptors keep the connections

            for (int i = 0; i < count; i++)
            {
                Assert.True(receiver.Receive(HandoffProtocol.CarriesDescriptor, out var version, out var type, out var payload, out var none));
                Assert.Equal((WireSerializer.Version, HandoffProtocol.Close, i, -1), (version, type, HandoffProtocol.DecodeId(payload), none));
                Assert.True(receiver.Receive(HandoffProtocol.CarriesDescriptor, out version, out type, out payload, out var fd));
                Assert.Equal(HandoffProtocol.Connection, type);
                Assert.Equal($"handler-{i}", HandoffProtocol.DecodeConnection(payload).Handler);
                Assert.True(fd >= 0);
                using var adopted = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
                await adopted.SendAsync(Encoding.ASCII.GetBytes($"hi {i}\n"));
                adopted.Shutdown(SocketShutdown.Send);
                var buffer = new byte[64];
                int n = await clients[i].ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Deadline);
                Assert.Equal($"hi {i}\n", Encoding.ASCII.GetString(buffer, 0, n));
                Assert.Equal(0, await clients[i].ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Deadline)); // FIN from the adopted socket
            }
            foreach (var client in clients) client.Dispose();

            sender.Dispose(); // the peer reads end of stream: how a worker learns its listener is gone
            Assert.False(receiver.Receive(HandoffProtocol.CarriesDescriptor, out _, out _, out _, out _));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_link_messages_round_trip_little_endian()
    {
        var settings = new HandoffProtocol.ServerSettings("echo", "tcp", 1024, 4096, TimeSpan.FromSeconds(1), null, TimeSpan.FromMilliseconds(5), TimeSpan.FromMinutes(2),
            Supervision: new ActorSockets.Servers.SupervisionOptions { OnFailure = ActorSockets.Servers.FailurePolicy.Restart, MaxRestarts = 5, Within = TimeSpan.FromSeconds(7) });
        Assert.Equal(settings, HandoffProtocol.DecodeSettings(HandoffProtocol.EncodeSettings(settings)));
        var tls = settings with
        {
            Tls = new ActorSockets.Tls.TlsOptions
            {
                Certificate = "/c.pem", Key = "/k.pem", Password = "pw", Ca = "/ca.pem", HandshakeTimeout = TimeSpan.FromSeconds(3),
                ClientCertificate = ActorSockets.Tls.ClientCertificateMode.Required, Protocols = System.Security.Authentication.SslProtocols.Tls13,
            },
        };
        Assert.Equal(tls, HandoffProtocol.DecodeSettings(HandoffProtocol.EncodeSettings(tls)));
        var report = new HandoffProtocol.EndReport(42, true, [(ServerEvent.ReadTimeout, 1), (ServerEvent.LineTooLong, 2)], new HandlerFailed("T", "m", "d"), 5_000_000_000, 7);
        var back = HandoffProtocol.DecodeEnded(HandoffProtocol.EncodeEnded(report));
        Assert.Equal((report.Id, report.Cut, report.Error, report.BytesIn, report.BytesOut), (back.Id, back.Cut, back.Error, back.BytesIn, back.BytesOut));
        Assert.Equal(report.Events, back.Events);
        Assert.Equal(new byte[] { 0x39, 0x30, 0, 0 }, HandoffProtocol.EncodeHello(12345));
        Assert.Throws<FormatException>(() => HandoffProtocol.DecodeEnded([1, 2, 3]));
    }

    [Fact]
    public void A_link_directory_left_by_a_killed_listener_is_removed_by_the_next_one()
    {
        using var dead = System.Diagnostics.Process.Start("true")!;
        dead.WaitForExit();
        var left = Directory.CreateTempSubdirectory("actorsockets-");
        var live = Directory.CreateTempSubdirectory("actorsockets-");
        var unmarked = Directory.CreateTempSubdirectory("actorsockets-"); // not a link directory: no pid file
        try
        {
            File.WriteAllText(Path.Combine(left.FullName, "listener.pid"), dead.Id.ToString());
            File.WriteAllText(Path.Combine(live.FullName, "listener.pid"), Environment.ProcessId.ToString());
            HandoffLinks.SweepStale();
            Assert.False(Directory.Exists(left.FullName), "the dead listener's directory is removed");
            Assert.True(Directory.Exists(live.FullName), "a running listener's directory stays");
            Assert.True(Directory.Exists(unmarked.FullName), "a directory without a listener's pid stays");
        }
        finally
        {
            foreach (var dir in new[] { left, live, unmarked })
                if (Directory.Exists(dir.FullName)) dir.Delete(recursive: true);
        }
    }
}
