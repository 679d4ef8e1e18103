namespace ActorSockets.Tests.Support;

/// <summary>
/// Listener nodes of one cluster as real sample processes on this machine, started with the
/// command lines the many-nodes chapter gives (each its own --port and --cluster-port, the same
/// seed list on every node). Disposing stops every node still running.
/// </summary>
public sealed class ListenerNodes : IAsyncDisposable
{
    /// <summary>Generous: on a loaded 2-core machine a node's start alone can take seconds, and the
    /// removal of a killed node waits for the failure detector (about 5 s) and stable-after (7 s).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90 * TestTime.Factor);

    private readonly string _program;
    private readonly int[] _clusterPorts;

    private ListenerNodes(string program, int count)
    {
        _program = program;
        _clusterPorts = [.. Enumerable.Range(0, count).Select(_ => TestHost.FreePort())];
        Addresses = [.. _clusterPorts.Select(p => $"akka.tcp://actorsockets@127.0.0.1:{p}")];
        Nodes = new SampleProcess?[count];
    }

    /// <summary>Each node's cluster address (what the others give as a seed node).</summary>
    public string[] Addresses { get; }

    /// <summary>The node processes, by index; null until started.</summary>
    public SampleProcess?[] Nodes { get; }

    /// <summary>Node <paramref name="i"/>'s process (started).</summary>
    public SampleProcess this[int i] => Nodes[i] ?? throw new InvalidOperationException($"node {i} is not started");

    /// <summary>Node <paramref name="i"/>'s command line.</summary>
    public string[] Args(int i) => ["--port", "0", "--cluster-port", _clusterPorts[i].ToString(), "--seed-nodes", string.Join(",", Addresses)];

    /// <summary>Starts <paramref name="count"/> nodes of <paramref name="program"/> (the first, then
    /// the others at once) and waits until each has seen all of them join.</summary>
    public static async Task<ListenerNodes> StartAsync(string program, int count = 3)
    {
        var nodes = new ListenerNodes(program, count);
        try
        {
            nodes.Nodes[0] = await SampleProcess.StartAsync(program, nodes.Args(0));
            var others = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(i => SampleProcess.StartAsync(program, nodes.Args(i))));
            others.CopyTo(nodes.Nodes, 1);
            foreach (var node in nodes.Nodes) await node!.WaitForStderrAsync($"joined the cluster; {count} nodes up", Deadline);
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts node <paramref name="i"/> again (after it was killed or stopped) on the same
    /// cluster port and waits until it has seen all the nodes up.</summary>
    public async Task RestartAsync(int i)
    {
        Nodes[i]?.Dispose();
        Nodes[i] = await SampleProcess.StartAsync(_program, Args(i));
        await Nodes[i]!.WaitForStderrAsync($"joined the cluster; {Nodes.Length} nodes up", Deadline);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            if (node is not null && !node.HasExited) await node.StopAsync(Deadline);
            node?.Dispose();
        }
    }
}
