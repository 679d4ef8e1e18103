using System.Collections.Concurrent;
using Akka.Actor;
using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>
/// An actor reference that keeps what it is told, with the sender, for a test to take in
/// order: it stands for the connection actor, or a reader, or a flush waiter, next to the
/// single-threaded class under test. No actor system is started, so these tests stay fast in a
/// fresh process (a mutation run starts one per mutant). A tell lands in the inbox before
/// <c>Tell</c> returns, so "nothing was told" is checked at once for tells made on the test's
/// thread.
/// </summary>
internal sealed class RecordingRef(string name = "inbox") : MinimalActorRef
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);
    private static int _next;

    private readonly BlockingCollection<(object Message, IActorRef Sender)> _told = [];

    public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "units")) / $"{name}-{Interlocked.Increment(ref _next)}";

    public override IActorRefProvider Provider => throw new NotSupportedException("an inbox has no actor system");

    /// <summary>Who sent the message last taken.</summary>
    public IActorRef? LastSender { get; private set; }

    protected override void TellInternal(object message, IActorRef sender) => _told.Add((message, sender));

    /// <summary>The next message, which must be a <typeparamref name="T"/>, waiting for it at most <paramref name="within"/>.</summary>
    public T Expect<T>(TimeSpan? within = null)
    {
        if (!_told.TryTake(out var next, within ?? DefaultWait))
            Assert.Fail($"{Path.Name}: no {typeof(T).Name} within {within ?? DefaultWait}");
        LastSender = next.Sender;
        return Assert.IsType<T>(next.Message);
    }

    /// <summary>The next message, which must equal <paramref name="expected"/>.</summary>
    public void Expect<T>(T expected, TimeSpan? within = null) => Assert.Equal(expected, Expect<T>(within));

    /// <summary>The next message, already told: for answers the code under test gives on the
    /// caller's thread (a mutant that withholds one fails at once instead of waiting).</summary>
    public T ExpectNow<T>() => Expect<T>(TimeSpan.Zero);

    /// <inheritdoc cref="ExpectNow{T}()"/>
    public void ExpectNow<T>(T expected) => Assert.Equal(expected, ExpectNow<T>());

    /// <summary>Nothing was told that was not taken.</summary>
    public void ExpectNothingYet()
    {
        if (_told.TryTake(out var extra)) Assert.Fail($"{Path.Name}: unexpected {extra.Message}");
    }
}
