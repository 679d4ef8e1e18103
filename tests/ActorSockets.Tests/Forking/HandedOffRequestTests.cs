using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Forking;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Event;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>
/// A socket handed to a worker in the listener's own run, with no actor standing in for it: the
/// listener here is a test actor, the worker's end of the link a real Unix socket read by the
/// test, and the socket handed over a real TCP connection. However the request ends (the worker
/// reports it, the listener cuts it, the worker dies), the listener is told once.
/// </summary>
public class HandedOffRequestTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void The_end_the_worker_reports_is_recorded_and_told_once_and_a_later_cut_sends_nothing()
    {
        var (link, worker, hooks, settings) = Link();
        var request = HandOff(link, settings);
        var id = ReceiveConnection(worker);

        link.OnEnded(new HandoffProtocol.EndReport(id, false, [], new HandlerFailed(typeof(InvalidOperationException).FullName!, "boom", "trace")));
        Assert.Same(request, ExpectMsg<ChildStopped>(Deadline).Child);
        Assert.IsType<RemoteHandlerException>(Assert.Single(hooks.Errors).Error);
        Assert.Equal(1, settings.Counters.Snapshot(0, null, false).HandlerFailures);

        request.Stop(); // the drain deadline, after the end: nothing left to cut
        link.Drain(42); // a frame after it: the next the worker reads must be this, not a Close
        Assert.Equal((HandoffProtocol.Drain, 42L), ReceiveId(worker));
        AssertNothingMoreTold();
    }

    [Fact]
    public void A_cut_closes_the_connection_in_the_worker_and_an_end_reported_after_it_is_not_told_again()
    {
        var (link, worker, hooks, settings) = Link();
        var request = HandOff(link, settings);
        var id = ReceiveConnection(worker);

        request.Tell(Drain.Instance); // closing began: the worker drains the connection
        Assert.Equal((HandoffProtocol.Drain, id), ReceiveId(worker));
        request.Stop(); // the drain deadline passed
        Assert.Equal((HandoffProtocol.Close, id), ReceiveId(worker));
        Assert.Same(request, ExpectMsg<ChildStopped>(Deadline).Child);

        link.OnEnded(new HandoffProtocol.EndReport(id, true, [], null)); // the worker's answer to the Close
        link.OnDown("the worker exited");
        AssertNothingMoreTold();
        Assert.Empty(hooks.Errors);
        Assert.Equal(0, link.InFlight);
    }

    [Fact]
    public void A_worker_that_dies_fails_its_requests_through_HandleError()
    {
        var (link, worker, hooks, settings) = Link();
        var first = HandOff(link, settings);
        var second = HandOff(link, settings);
        ReceiveConnection(worker);
        ReceiveConnection(worker);

        link.OnDown("the link to worker process 4242 closed (the worker exited)");
        var told = new[] { ExpectMsg<ChildStopped>(Deadline).Child, ExpectMsg<ChildStopped>(Deadline).Child };
        Assert.Equal(new HashSet<IActorRef> { first, second }, told.ToHashSet());
        Assert.Equal(2, hooks.Errors.Count);
        Assert.All(hooks.Errors, e => Assert.IsType<WorkerLostException>(e.Error));

        first.Stop(); // the drain deadline, after the worker died: already ended
        AssertNothingMoreTold();
    }

    /// <summary>Nothing was told to the listener so far: a stand-in tells its end from the thread that
    /// ended it (here the test's, in the calls above), so a marker sent now through the same
    /// listener arrives after anything told before it. A positive signal, not a quiet period.</summary>
    private void AssertNothingMoreTold()
    {
        _listener!.Tell("marker");
        ExpectMsg("marker", Deadline);
    }

    private IActorRef? _listener;

    /// <summary>A link to a pretend worker process: the returned channel is the worker's end.</summary>
    private (WorkerLink Link, DescriptorChannel Worker, RecordingHooks Hooks, ServerContext Settings) Link()
    {
        var path = NewUnixPath();
        var listening = Track(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        listening.Bind(new UnixDomainSocketEndPoint(path));
        listening.Listen(1);
        var listenerEnd = Track(DescriptorChannel.Connect(path));
        var workerEnd = Track(new DescriptorChannel(listening.Accept()));
        var hooks = new RecordingHooks();
        var settings = new ServerContext(new ServerOptions(), hooks, new ChildHandlerPlacement(Props.Empty));
        return (new WorkerLink(4242, listenerEnd), workerEnd, hooks, settings);
    }

    /// <summary>Accepts a real TCP client and hands it off from a listener's run (the test actor hears what the listener would).</summary>
    private StandInRef HandOff(WorkerLink link, ServerContext settings)
    {
        var tcp = Track(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        tcp.Listen(1);
        var client = Track(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        client.Connect(tcp.LocalEndPoint!);
        var accepted = tcp.Accept();
        var placement = new LocalPlacement();
        placement.Publish([link], int.MaxValue);
        _listener ??= Sys.ActorOf(Props.Create(() => new PretendListener(TestActor)));
        _listener.Tell(new PretendListener.Take(placement, accepted, settings));
        var request = ExpectMsg<StandInRef>(Deadline);
        Assert.True(accepted.SafeHandle.IsClosed, "the listener's copy is closed once handed off");
        return request;
    }

    /// <summary>Reads the next frame as the worker would: a connection with its descriptor (closed here); returns its id.</summary>
    private static long ReceiveConnection(DescriptorChannel worker)
    {
        Assert.True(worker.Receive(HandoffProtocol.CarriesDescriptor, out _, out var type, out var payload, out var fd));
        Assert.Equal(HandoffProtocol.Connection, type);
        Assert.True(fd >= 0);
        DescriptorChannel.CloseDescriptor(fd);
        return HandoffProtocol.DecodeConnection(payload).Id;
    }

    private static (byte Type, long Id) ReceiveId(DescriptorChannel worker)
    {
        Assert.True(worker.Receive(HandoffProtocol.CarriesDescriptor, out _, out var type, out var payload, out _));
        return (type, HandoffProtocol.DecodeId(payload));
    }

    /// <summary>Hands off in its own run, as the stream listener does, and passes on what it is told.</summary>
    private sealed class PretendListener(IActorRef probe) : UntypedActor
    {
        public sealed record Take(LocalPlacement Placement, Socket Client, ServerContext Settings);

        private int _count;

        protected override void OnReceive(object message)
        {
            if (message is Take take)
            {
                var info = new RequestInfo("127.0.0.1:1", "127.0.0.1:2", $"handler-{++_count}", Self);
                probe.Tell((object?)HandedOffRef.TryHandOff(take.Placement, Context, $"conn-{_count}", take.Client, info, take.Settings, Context.GetLogger())
                    ?? "not handed off");
            }
            else probe.Forward(message);
        }
    }
}
