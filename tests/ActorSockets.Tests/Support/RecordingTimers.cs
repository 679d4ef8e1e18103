using Akka.Actor;

namespace ActorSockets.Tests.Support;

/// <summary>
/// An actor's timers as a record of what was asked of them: the single timers started (key,
/// message, delay) and the keys cancelled. Nothing fires; a test fires a timer by handing its
/// message to the code under test, so the clock logic is checked without waiting for timers.
/// </summary>
internal sealed class RecordingTimers : ITimerScheduler
{
    public List<(object Key, object Message, TimeSpan Timeout)> Started { get; } = [];
    public List<object> Cancelled { get; } = [];

    public void StartSingleTimer(object key, object msg, TimeSpan timeout) => Started.Add((key, msg, timeout));
    public void StartSingleTimer(object key, object msg, TimeSpan timeout, IActorRef sender) => Started.Add((key, msg, timeout));
    public void Cancel(object key) => Cancelled.Add(key);

    public void StartPeriodicTimer(object key, object msg, TimeSpan interval) => throw new NotSupportedException();
    public void StartPeriodicTimer(object key, object msg, TimeSpan interval, IActorRef sender) => throw new NotSupportedException();
    public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval) => throw new NotSupportedException();
    public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval, IActorRef sender) => throw new NotSupportedException();
    public bool IsTimerActive(object key) => throw new NotSupportedException();
    public IReadOnlyCollection<object> ActiveTimers => throw new NotSupportedException();
    public void CancelAll() => throw new NotSupportedException();
}
