using ActorSockets.Forking;
using ActorSockets.Servers;

namespace ActorSockets.Tests.Support;

/// <summary>Forking-mode servers for tests: the listener in this process, its workers real
/// processes of the test server program (tests/ActorSockets.TestServer).</summary>
public static class ForkingServers
{
    public const string Program = "ActorSockets.TestServer";

    /// <summary>Options for a TCP forking listener on 127.0.0.1 whose workers run the test server's
    /// <c>pid</c> handler ("&lt;pid&gt; &lt;line&gt;"; "where" answers handoff or request).</summary>
    public static ServerOptions Options(int workers, int maxChildren, bool handoff, ServerOptions? basis = null)
        => (basis ?? ServerOptions.Tcp()) with
        {
            Mode = ServerMode.Forking,
            Forking = new ForkingOptions
            {
                Workers = workers,
                MaxChildren = maxChildren,
                SocketHandoff = handoff,
                Command = new WorkerCommand("dotnet", [SampleProcess.SampleDll(Program), "--worker", "--seed-nodes", "{seed}"]),
            },
        };
}
