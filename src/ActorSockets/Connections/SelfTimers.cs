using Akka.Actor;

namespace ActorSockets.Connections;

/// <summary>
/// A connection actor's timers, with Akka's <see cref="IWithTimers"/> guarantees (a timer
/// restarted or cancelled never delivers its earlier message, even one already in the mailbox; a
/// restarted actor never sees the old instance's), at no cost until a timer starts: Akka makes a
/// scheduler and its dictionary for every <see cref="IWithTimers"/> actor (136 B per idle
/// connection in a heap dump of 10,000), while a connection's clocks are all off by default.
/// The owner passes each message through <see cref="Take"/> before handling it and calls
/// <see cref="CancelAll"/> when it stops. Used only from its actor's thread.
/// </summary>
internal sealed class SelfTimers(IActorContext context) : ITimerScheduler
{
    private Dictionary<object, Fired>? _timers; // by key: the one message each timer may still deliver

    /// <summary>What a timer sends its actor: <see cref="Take"/> unwraps it, or drops it when stale.</summary>
    internal sealed class Fired(object key, object message, bool repeat, SelfTimers owner) : INoSerializationVerificationNeeded, Akka.Event.IDeadLetterSuppression
    {
        public object Key { get; } = key;
        public object Message { get; } = message;
        public bool Repeat { get; } = repeat;
        public SelfTimers Owner { get; } = owner;
        public ICancelable? Task { get; set; }
    }

    /// <summary>The message to handle for <paramref name="message"/>: itself when it is not a timer's,
    /// the timer's message when the timer is current, null when it is stale (drop it).</summary>
    public object? Take(object message)
    {
        if (message is not Fired fired) return message;
        if (!ReferenceEquals(fired.Owner, this) || _timers is null || !_timers.TryGetValue(fired.Key, out var current) || !ReferenceEquals(current, fired))
            return null;
        if (!fired.Repeat) _timers.Remove(fired.Key);
        return fired.Message;
    }

    public void StartSingleTimer(object key, object msg, TimeSpan timeout) => StartSingleTimer(key, msg, timeout, ActorRefs.NoSender);

    public void StartSingleTimer(object key, object msg, TimeSpan timeout, IActorRef? sender)
    {
        var fired = Start(key, msg, repeat: false);
        fired.Task = context.System.Scheduler.ScheduleTellOnceCancelable(timeout, context.Self, fired, sender);
    }

    public void StartPeriodicTimer(object key, object msg, TimeSpan interval) => StartPeriodicTimer(key, msg, interval, interval, ActorRefs.NoSender);

    public void StartPeriodicTimer(object key, object msg, TimeSpan interval, IActorRef? sender) => StartPeriodicTimer(key, msg, interval, interval, sender);

    public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval)
        => StartPeriodicTimer(key, msg, initialDelay, interval, ActorRefs.NoSender);

    public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval, IActorRef? sender)
    {
        var fired = Start(key, msg, repeat: true);
        fired.Task = context.System.Scheduler.ScheduleTellRepeatedlyCancelable(initialDelay, interval, context.Self, fired, sender);
    }

    private Fired Start(object key, object msg, bool repeat)
    {
        Cancel(key);
        var fired = new Fired(key, msg, repeat, this);
        (_timers ??= new())[key] = fired;
        return fired;
    }

    public bool IsTimerActive(object key) => _timers?.ContainsKey(key) == true;

    public IReadOnlyCollection<object> ActiveTimers => _timers is null ? [] : _timers.Keys;

    public void Cancel(object key)
    {
        if (_timers is not null && _timers.Remove(key, out var fired)) fired.Task?.Cancel();
    }

    public void CancelAll()
    {
        if (_timers is null) return;
        foreach (var fired in _timers.Values) fired.Task?.Cancel();
        _timers.Clear();
    }
}
