namespace ActorSockets.Servers;

/// <summary>
/// Connections accepted but not yet shown to be live: still waiting for their PROXY header or
/// their TLS ClientHello. They hold no connection slot (<c>max-connections</c>,
/// <c>max-children</c>) until they are ready, only a place here, at most
/// <see cref="ServerOptions.MaxPendingHandshakes"/> of them; when a new one comes while all are
/// taken, the OLDEST is given up: a flood of sockets that never speak then only ever holds the
/// budget's worth of descriptors, and cannot keep a real client, which speaks within a round
/// trip, from being served. Used only from the listener actor.
/// </summary>
internal sealed class PendingHandshakes<T>(int budget) where T : class
{
    private readonly LinkedList<T> _byAge = [];
    private readonly Dictionary<T, LinkedListNode<T>> _nodes = [];

    /// <summary>How many are pending now.</summary>
    public int Count => _nodes.Count;

    /// <summary>Called when a connection starts waiting to show it is live: returns the oldest
    /// pending one, which the caller closes, when the budget was full; else null.</summary>
    public T? Add(T connection)
    {
        var oldest = _nodes.Count >= budget ? TakeOldest() : null;
        _nodes[connection] = _byAge.AddLast(connection);
        return oldest;
    }

    /// <summary>Called to make room (the budget is full, or the process is short of descriptors):
    /// the oldest pending connection, no longer pending, which the caller closes; null when none is.</summary>
    public T? TakeOldest()
    {
        if (_byAge.First is not { } first) return null;
        _byAge.RemoveFirst();
        _nodes.Remove(first.Value);
        return first.Value;
    }

    /// <summary>Called when a connection's wait ended (ready, failed): whether it was still
    /// pending (false: it was given up already, and closed).</summary>
    public bool Remove(T connection)
    {
        if (!_nodes.Remove(connection, out var node)) return false;
        _byAge.Remove(node);
        return true;
    }

    /// <summary>Called when the listener closes: every pending connection, now no longer pending.</summary>
    public List<T> TakeAll()
    {
        var all = _byAge.ToList();
        _byAge.Clear();
        _nodes.Clear();
        return all;
    }
}
