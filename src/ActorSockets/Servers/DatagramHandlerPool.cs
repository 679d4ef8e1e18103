using ActorSockets.Connections;
using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Servers;

/// <summary>
/// The handlers a datagram listener keeps for many requests when the handler declares
/// <see cref="ReusableHandlerAttribute"/>: one slot per core, each with one handler actor
/// (started on first use, a child of the listener, watched), to which requests are queued in
/// order (each as one Setup that runs Setup, Handle and Finish). A request goes to the slot with the fewest requests queued
/// (the first of them: a light load keeps to one warm handler). When a slot's handler stops (it threw, or the listener stopped it
/// for a request's deadline or write limit) the requests it had taken up end with it and those
/// it had not are sent, in order, to a fresh handler in the same slot. Used by the listener's
/// thread only.
/// </summary>
internal sealed class DatagramHandlerPool
{
    private sealed class HandlerSlot(int index)
    {
        public readonly int Index = index;
        public IActorRef? Handler;
        public int Pending; // requests queued and not ended
        public readonly Queue<DatagramReply> Queue = new(); // in the order sent; ended ones leave from the front
    }

    private readonly IActorContext _context;
    private readonly HandlerPlacement _launcher;
    private readonly RequestInfo _launchInfo;
    private readonly HandlerSlot[] _slots;
    private readonly Dictionary<IActorRef, HandlerSlot> _byHandler = [];
    private long _started;

    public DatagramHandlerPool(IActorContext context, HandlerPlacement launcher, RequestInfo launchInfo, int size)
    {
        _context = context;
        _launcher = launcher;
        _launchInfo = launchInfo;
        _slots = new HandlerSlot[Math.Max(1, size)];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new HandlerSlot(i);
    }

    /// <summary>Queues <paramref name="reply"/>'s request (its <see cref="DatagramReply.Setup"/>) to
    /// the least busy handler and returns that handler.</summary>
    public IActorRef Dispatch(DatagramReply reply)
    {
        var slot = _slots[0]; // the first of the least busy: a light load keeps to one warm handler
        for (int i = 1; i < _slots.Length && slot.Pending > 0; i++)
            if (_slots[i].Pending < slot.Pending) slot = _slots[i];
        slot.Handler ??= Launch(slot);
        reply.Slot = slot.Index;
        slot.Pending++;
        slot.Queue.Enqueue(reply);
        Send(slot.Handler, reply);
        return slot.Handler;
    }

    /// <summary>The listener ended <paramref name="reply"/>'s request.</summary>
    public void Ended(DatagramReply reply)
    {
        if (reply.Ended || reply.Slot < 0) return;
        reply.Ended = true;
        var slot = _slots[reply.Slot];
        slot.Pending--;
        while (slot.Queue.TryPeek(out var first) && first.Ended) slot.Queue.Dequeue();
    }

    /// <summary>Whether <paramref name="handler"/> is one of this pool's.</summary>
    public bool Owns(IActorRef handler) => _byHandler.ContainsKey(handler);

    /// <summary>The handler serving <paramref name="reply"/>'s request, if it has taken it up and
    /// is still there (to stop it when the request is given up on).</summary>
    public IActorRef? HandlerUnderWay(DatagramReply reply)
        => reply.Slot >= 0 && reply.Started && !reply.Ended ? _slots[reply.Slot].Handler : null;

    /// <summary>The request <paramref name="handler"/> is serving: taken up, not finished.</summary>
    public DatagramReply? Current(IActorRef handler)
    {
        if (!_byHandler.TryGetValue(handler, out var slot)) return null;
        foreach (var reply in slot.Queue)
            if (!reply.Ended && reply.Started && !reply.Done) return reply;
        return null;
    }

    /// <summary><paramref name="handler"/> stopped: returns the requests it had taken up (for the
    /// listener to end) and sends the rest, in order, to a fresh handler.</summary>
    public List<DatagramReply> HandlerGone(IActorRef handler)
    {
        var takenUp = new List<DatagramReply>();
        if (!_byHandler.Remove(handler, out var slot) || !handler.Equals(slot.Handler)) return takenUp;
        slot.Handler = null;
        var waiting = new List<DatagramReply>();
        foreach (var reply in slot.Queue)
        {
            if (reply.Ended) continue;
            if (reply.Started) takenUp.Add(reply);
            else waiting.Add(reply);
        }
        if (waiting.Count > 0)
        {
            slot.Handler = Launch(slot);
            foreach (var reply in waiting) Send(slot.Handler, reply);
        }
        return takenUp;
    }

    private IActorRef Launch(HandlerSlot slot)
    {
        var handler = _launcher.Launch(_context, _launchInfo with { HandlerName = $"kept-handler-{slot.Index}-{++_started}" });
        _context.Watch(handler);
        _byHandler[handler] = slot;
        return handler;
    }

    /// <summary>One message per request: a kept handler runs Handle and Finish from its Setup.</summary>
    private static void Send(IActorRef handler, DatagramReply reply) => handler.Tell(reply.Setup, reply);
}
