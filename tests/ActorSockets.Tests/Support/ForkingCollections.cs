namespace ActorSockets.Tests.Support;

/// <summary>
/// The xunit collections of the tests that start forking-mode worker processes. Within one
/// collection they run one after another; the two collections run beside each other (and beside
/// the rest of the suite). One collection held every such class and made the run's critical path
/// (397 s of 516 s on a quiet 2-core machine, the last 3 minutes with nothing else running);
/// two, of about 200 s each, keep at most two forking servers starting at once.
/// </summary>
public static class ForkingCollections
{
    /// <summary>Requests served in workers: paths, PROXY endpoints, TLS, program start and stop.</summary>
    public const string Serving = "forking: serving";

    /// <summary>Limits in workers, and workers dying, freezing, restarting and being counted.</summary>
    public const string Workers = "forking: worker lifecycle and limits";
}
