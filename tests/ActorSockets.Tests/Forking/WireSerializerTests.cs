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
public class WireSerializerTests() : TestKit(ForkingConfig.Listener("127.0.0.1", 0))
{
    public static TheoryData<string> Messages => new() { "write", "result", "setup", "start", "datagram", "failed", "io", "info", "reads" };

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
            "start" => [new StartHandler(setup, TestActor), new HandlerStarted(TestActor)],
            "datagram" => [setup with { Datagram = [] }, new StartHandler(setup with { Datagram = [104, 105, 0, 255] }, TestActor)],
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
        Setup s => $"{s} {(s.Datagram is null ? "no datagram" : Convert.ToHexString(s.Datagram))}",
        StartHandler st => $"{st} {Describe(st.Setup)}",
        _ => message.ToString()!,
    };
}
