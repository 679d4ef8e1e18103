using ActorSockets.Connections;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Connections;

/// <summary>A connection actor's own timers keep Akka's timer guarantees: a timer restarted or
/// cancelled never delivers its earlier message, even one already in the mailbox, nor does another
/// instance's timer. The owner hands every message it gets to the test, which asks the timers.</summary>
public class SelfTimersTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Soon = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void A_restarted_or_cancelled_timer_drops_its_queued_message_and_a_current_one_delivers_once()
    {
        var timers = ActorOfAsTestActorRef<Owner>(Props.Create(() => new Owner(TestActor))).UnderlyingActor.Timers;

        timers.StartSingleTimer("k", "first", Soon);
        var first = ExpectMsg<SelfTimers.Fired>(); // queued, not yet handled
        timers.StartSingleTimer("k", "second", Hour);
        Assert.Null(timers.Take(first)); // restarted: the earlier message is dropped

        timers.StartSingleTimer("k", "third", Soon);
        var third = ExpectMsg<SelfTimers.Fired>();
        Assert.Equal("third", timers.Take(third));
        Assert.Null(timers.Take(third)); // a single timer delivers once
        Assert.False(timers.IsTimerActive("k"));

        timers.StartSingleTimer("k", "fourth", Soon);
        var fourth = ExpectMsg<SelfTimers.Fired>();
        timers.Cancel("k");
        Assert.Null(timers.Take(fourth)); // cancelled after it was queued

        Assert.Equal("plain", timers.Take("plain")); // any other message is itself
    }

    [Fact]
    public void Another_instance_timer_is_dropped_and_nothing_is_kept_before_a_timer_starts()
    {
        var owner = ActorOfAsTestActorRef<Owner>(Props.Create(() => new Owner(TestActor))).UnderlyingActor;
        Assert.Empty(owner.Timers.ActiveTimers);

        owner.Timers.StartSingleTimer("k", "old", Soon);
        var old = ExpectMsg<SelfTimers.Fired>();
        var restarted = owner.NewTimers(); // what a restarted actor would make
        restarted.StartSingleTimer("k", "new", Hour);
        Assert.Null(restarted.Take(old));
        restarted.CancelAll();
        Assert.Empty(restarted.ActiveTimers);
    }

    /// <summary>Hands each message to <paramref name="probe"/> unhandled, so the test takes it.</summary>
    private sealed class Owner(IActorRef probe) : UntypedActor
    {
        private readonly IActorContext _context = Context; // made while the actor is created, on its cell

        public SelfTimers Timers => _timers ??= new(_context);
        private SelfTimers? _timers;

        public SelfTimers NewTimers() => new(_context);

        protected override void OnReceive(object message) => probe.Tell(message);
    }
}
