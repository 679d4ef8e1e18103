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
            "info" => [new WorkerInfo(1234, "host"), GetWorkerInfo.Instance],
            _ => [new ReadLine(), new ReadAvailable(4096), new ReadExactly(10), Flush.Instance, Flushed.Instance,
                  HandlerDone.Instance, Handle.Instance, Finish.Instance, Servers.Shutdown.Instance, ShutdownCompleted.Instance],
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
