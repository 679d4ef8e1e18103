namespace ActorSockets.Tests.Support;

/// <summary>Test classes that start forking-mode worker processes share this xunit collection,
/// so they run one after another instead of flooding the 2-core machine with processes.</summary>
public static class WorkerProcesses
{
    public const string Collection = "worker processes";
}
