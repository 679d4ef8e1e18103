using Xunit;

namespace ActorSockets.Tests.Service;

/// <summary>The service tests each start several server processes (forking ones with workers): run
/// one class at a time, so they do not compete with each other for a loaded machine's cores.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceProcesses
{
    public const string Name = "Service processes";
}
