using ActorSockets.Connections;
using ActorSockets.Forking;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Servers = ActorSockets.Servers;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit;

namespace ActorSockets.Tests.Forking;

/// <summary>Every message that crosses to a worker uses the binary serializer and survives a round trip.</summary>
public class WireSerializerTests() : TestKit(ActorSockets.Tests.Support.TestTime.With(ForkingConfig.Listener("127.0.0.1", 0)))
{
    public static TheoryData<string> Messages => new() { "write", "result", "setup", "start", "exchange", "datagram", "failed", "io", "info", "reads" };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Messages_round_trip_through_the_wire_serializer(string which)
    {
        var request = new RequestInfo("127.0.0.1:5555", "127.0.0.1:9000", "handler-7", TestActor);
        var setup = new Setup(request, TestActor, 262144);
        object[] messages = which switch
        {
            "write" => [new Write([1, 2, 3, 0, 255])],
            "result" => [new ReadResult([]), new ReadResult(new byte[65536])],
            "setup" => [setup],
            "start" => [new StartHandler(setup, TestActor, [10, 0, 255], true, 8192), new StartHandler(setup, TestActor, [], false, 1), EndRequest.Instance],
            "exchange" => [new Exchange([], ExchangeThen.Read), new Exchange([1, 2], ExchangeThen.Nothing), new Exchange([3], ExchangeThen.Flush), new Exchange([], ExchangeThen.Done)],
            "datagram" => [setup with { Datagram = [] }, new StartHandler(setup with { Datagram = [104, 105, 0, 255] }, TestActor, [], true, 1)],
            "failed" => [new HandlerFailed("System.InvalidOperationException", "boom", "at somewhere")],
            "io" => [new IoFailed(IoFailure.LineTooLong, "line longer than 16 bytes"), new Abort("not reading")],
            "info" => [new WorkerInfo(1234, "host"), new WorkerInfo(5, "h") { WireVersion = 77 }, GetWorkerInfo.Instance, new GetWorkerInfo(77),
                       new WorkerRefused(1, "wire version 2: refused")],
            _ => [new ReadLine(), new ReadAvailable(4096), new ReadExactly(10), Flush.Instance, Flushed.Instance,
                  HandlerDone.Instance, Handle.Instance, Finish.Instance, ActorSockets.Handlers.Shutdown.Instance, ShutdownCompleted.Instance],
        };
        var serialization = Sys.Serialization;
        foreach (var message in messages)
        {
            var serializer = serialization.FindSerializerFor(message);
            Assert.IsType<WireSerializer>(serializer);
            var manifest = ((WireSerializer)serializer).Manifest(message);
            var back = serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
            Assert.Equal(Describe(message), Describe(back));
        }
    }

    [Fact]
    public void Every_versioned_manifest_starts_with_the_wire_version_and_the_handshake_never_changes()
    {
        var serializer = (WireSerializer)Sys.Serialization.FindSerializerFor(new Write([1]));
        var request = new RequestInfo("c", "s", "h", TestActor);
        object[] versioned = [new Write([1]), new ReadResult([]), new ReadLine(), new ReadAvailable(1), new ReadExactly(1), Flush.Instance,
            Flushed.Instance, new IoFailed(IoFailure.Timeout, "t"), HandlerDone.Instance, new Abort("a"), new Exchange([], ExchangeThen.Done),
            new Setup(request, TestActor, 1), Handle.Instance, Finish.Instance, EndRequest.Instance, new HandlerFailed("t", "m", "d"),
            ActorSockets.Handlers.Shutdown.Instance, ShutdownCompleted.Instance];
        foreach (var message in versioned)
            Assert.StartsWith(WireSerializer.Version.ToString(), serializer.Manifest(message));
        Assert.Equal("GW", serializer.Manifest(GetWorkerInfo.Instance));
        Assert.Equal("WI", serializer.Manifest(new WorkerInfo(1, "h")));
        Assert.Equal("WR", serializer.Manifest(new WorkerRefused(1, "r")));
    }

    [Fact]
    public void Fields_are_little_endian_whatever_the_machine()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new ReadAvailable(0));
        Assert.Equal(new byte[] { 0x04, 0x03, 0x02, 0x01 }, serializer.ToBinary(new ReadAvailable(0x01020304)));
        // The handshake leads with the version, then the pid.
        Assert.Equal(new byte[] { (byte)WireSerializer.Version, 0, 0, 0, 0x39, 0x30, 0, 0 }, serializer.ToBinary(new WorkerInfo(12345, ""))[..8]);
    }

    [Theory]
    [InlineData("1W")]
    [InlineData("0ST")]
    [InlineData("W")]
    [InlineData("12W")]
    public void A_message_of_another_wire_version_is_refused_naming_both_versions(string manifest)
    {
        var serializer = Sys.Serialization.FindSerializerFor(new Write([1]));
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(
            () => ((WireSerializer)serializer).FromBinary([1, 2, 3], manifest));
        Assert.Contains($"'{manifest}'", error.Message);
        Assert.Contains($"wire version {WireSerializer.Version}", error.Message);
    }

    [Fact]
    public void A_worker_asked_by_a_listener_of_another_version_answers_then_refuses()
    {
        var refusals = new List<string>();
        var host = Sys.ActorOf(Props.Create(() => new WorkerHost(Props.Empty, why => refusals.Add(why))));
        host.Tell(new GetWorkerInfo(WireSerializer.Version + 1), TestActor);
        Assert.Equal(WireSerializer.Version, ExpectMsg<WorkerInfo>().WireVersion); // the listener learns ours and logs its refusal
        AwaitCondition(() => refusals.Count == 1);
        Assert.Contains($"wire version {WireSerializer.Version + 1}", refusals[0]);

        host.Tell(GetWorkerInfo.Instance, TestActor); // same version: no refusal
        ExpectMsg<WorkerInfo>();
        host.Tell(new WorkerRefused(9, "listener says no"), TestActor);
        AwaitCondition(() => refusals.Count == 2);
        Assert.Equal("listener says no", refusals[1]);
    }

    // Records holding arrays compare by reference; compare their printed form and bytes instead.
    private static string Describe(object message) => message switch
    {
        Write w => $"Write {Convert.ToHexString(w.Data)}",
        ReadResult r => $"ReadResult {Convert.ToHexString(r.Data)}",
        Exchange x => $"Exchange {x.Then} {Convert.ToHexString(x.Writes)}",
        Setup s => $"{s} {(s.Datagram is null ? "no datagram" : Convert.ToHexString(s.Datagram))}",
        StartHandler st => $"{(st with { Input = [] })} {Convert.ToHexString(st.Input)} {Describe(st.Setup)}",
        _ => message.ToString()!,
    };
}
