namespace ActorSockets.Servers;

/// <summary>
/// Whether the listener may take another request: not while accepting is suspended (ranch's
/// suspend/resume), and not at the connection limit, the smaller of
/// <see cref="ServerOptions.MaxConnections"/> and the mode's own (one at a time in sync mode,
/// <c>max_children</c> in forking mode). Past it the listener simply does not accept, so
/// clients wait in the kernel's backlog instead of being accepted and dropped. Both can change
/// at runtime. Used only from the listener actor.
/// </summary>
internal sealed class AcceptGate(ServerOptions options)
{
    private readonly int _modeLimit = options.Mode switch
    {
        ServerMode.Sync => 1,
        ServerMode.Forking => options.Forking.MaxChildren,
        _ => int.MaxValue,
    };

    /// <summary>The limit set (null: none of its own).</summary>
    public int? MaxConnections { get; private set; } = options.MaxConnections;

    public bool Suspended { get; private set; }

    /// <summary>Whether a request may start with <paramref name="inFlight"/> being served.</summary>
    public bool Admits(int inFlight) => !Suspended && AdmitsWhenResumed(inFlight);

    /// <summary>Whether the limit alone admits a request with <paramref name="inFlight"/> being served.</summary>
    public bool AdmitsWhenResumed(int inFlight) => inFlight < Math.Min(MaxConnections ?? int.MaxValue, _modeLimit);

    /// <summary>Applies a <see cref="SetMaxConnections"/>, <see cref="SuspendAccepting"/> or
    /// <see cref="ResumeAccepting"/>; returns what was wrong with it, or null.</summary>
    public Exception? Apply(object change)
    {
        switch (change)
        {
            case SetMaxConnections { MaxConnections: < 1 } bad:
                return ServerOptions.Bad(nameof(ServerOptions.MaxConnections), $"must be at least 1, not {bad.MaxConnections}");
            case SetMaxConnections set:
                MaxConnections = set.MaxConnections;
                break;
            case SuspendAccepting:
                Suspended = true;
                break;
            case ResumeAccepting:
                Suspended = false;
                break;
        }
        return null;
    }
}
