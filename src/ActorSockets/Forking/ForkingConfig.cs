using Akka.Configuration;

namespace ActorSockets.Forking;

/// <summary>
/// The Akka configuration of the two kinds of node in forking mode: the listener (the seed,
/// role <c>listener</c>) and workers (role <c>worker</c>). hocon/cluster.conf documents every
/// setting used here; user configuration given to these methods wins over them.
/// </summary>
public static class ForkingConfig
{
    /// <summary>Role of the node that owns the sockets.</summary>
    public const string ListenerRole = "listener";

    /// <summary>Role of nodes that run handlers.</summary>
    public const string WorkerRole = "worker";

    /// <summary>Name of the worker host actor on every worker node (<c>/user/actorsockets-worker</c>).</summary>
    public const string WorkerHostName = "actorsockets-worker";

    /// <summary>Configuration of the listener node, bound to <paramref name="host"/>:<paramref name="port"/> (0 = free port).</summary>
    public static Config Listener(string host, int port) => Node(host, port, ListenerRole, []);

    /// <summary>Configuration of a worker node joining <paramref name="seedNodes"/>.</summary>
    public static Config Worker(IReadOnlyList<string> seedNodes, string host = "127.0.0.1", int port = 0)
        => Node(host, port, WorkerRole, seedNodes);

    private static Config Node(string host, int port, string role, IReadOnlyList<string> seeds)
    {
        var seedList = string.Join(", ", seeds.Select(s => $"\"{s}\""));
        var bindings = string.Join("\n", WireSerializer.Types.Select(t => $"\"{t.FullName}, ActorSockets\" = actorsockets"));
        return ConfigurationFactory.ParseString($$"""
            akka {
              actor {
                provider = cluster
                serializers.actorsockets = "ActorSockets.Forking.WireSerializer, ActorSockets"
                serialization-bindings {
                  {{bindings}}
                }
              }
              remote.log-remote-lifecycle-events = off
              remote.dot-netty.tcp {
                hostname = "{{host}}"
                port = {{port}}
                # Reads and writes cross in chunks of at most 64 KiB; leave room for framing.
                maximum-frame-size = 256000b
              }
              cluster {
                roles = ["{{role}}"]
                seed-nodes = [{{seedList}}]
                log-info = off
                # The listener is the oldest member; keep-oldest keeps its side of any partition,
                # and workers cut off from it down themselves (and exit).
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-oldest
                  stable-after = 5s
                  keep-oldest.down-if-alone = on
                }
                failure-detector {
                  heartbeat-interval = 1s
                  acceptable-heartbeat-pause = 4s
                }
                run-coordinated-shutdown-when-down = on
                # A worker that cannot reach any listener gives up instead of retrying forever.
                shutdown-after-unsuccessful-join-seed-nodes = 60s
              }
              # Leaving a cluster whose listener is already dead must not keep a worker around.
              coordinated-shutdown.phases {
                cluster-leave.timeout = 3s
                cluster-exiting.timeout = 3s
              }
              coordinated-shutdown.run-by-actor-system-terminate = on
            }
            """);
    }
}
