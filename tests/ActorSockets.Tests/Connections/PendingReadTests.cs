using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Connections;

/// <summary>The one read a connection holds: a second is refused, the answer goes to who asked.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class PendingReadTests
{
    private readonly RecordingRef _self = new("connection");
    [Fact]
    public void One_read_waits_a_second_is_refused_and_the_answer_goes_to_the_first_reader()
    {
        var pending = new PendingRead();
        var first = new RecordingRef("waiter");
        var second = new RecordingRef("waiter");
        var read = new ReadLine();
        Assert.Null(pending.Request);
        Assert.True(pending.TryStart(read, first, _self));
        Assert.Same(read, pending.Request);
        Assert.False(pending.TryStart(new ReadAvailable(5), second, _self));
        Assert.Same(IoRefusals.ReadPending, second.ExpectNow<IoFailed>());
        Assert.Same(_self, second.LastSender);
        Assert.Same(read, pending.Request); // the first still waits

        pending.Answer("the line", _self);
        Assert.Equal("the line", first.ExpectNow<string>());
        Assert.Same(_self, first.LastSender);
        Assert.Null(pending.Request);

        pending.Answer("nobody asked", _self); // no read waits: nothing is told
        first.ExpectNothingYet();

        Assert.True(pending.TryStart(read, second, _self)); // free again
        pending.Answer("yours", _self);
        Assert.Equal("yours", second.ExpectNow<string>());
    }
}
