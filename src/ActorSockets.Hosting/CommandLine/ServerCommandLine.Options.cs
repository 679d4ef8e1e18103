using System.CommandLine;
using ActorSockets.Forking;
using ActorSockets.Servers;

namespace ActorSockets.CommandLine;

// The standard options, one field each, so a program can read their values from its
// ParseResult; ServerCommandLine.cs parses them and runs the server.
public static partial class ServerCommandLine
{
    /// <summary><c>--host</c>: the address to bind.</summary>
    public static readonly Option<string> Host = new("--host")
    {
        Description = "Address to listen on",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    /// <summary><c>--port</c>: the port to bind, 0 for any free port.</summary>
    public static readonly Option<int> Port = new("--port")
    {
        Description = "Port to listen on; 0 picks a free port",
        DefaultValueFactory = _ => 0,
    };

    /// <summary><c>--mode</c>: sync or threading.</summary>
    public static readonly Option<ServerMode> Mode = new("--mode")
    {
        Description = "How requests are processed: Sync (one at a time), Threading (a handler actor per connection) or Forking (handlers in worker processes)",
        DefaultValueFactory = _ => ServerMode.Threading,
    };

    /// <summary><c>--unix PATH</c>: listen on a Unix socket path instead of TCP/UDP.</summary>
    public static readonly Option<string?> Unix = new("--unix")
    {
        Description = "Listen on this Unix socket path instead of --host/--port (default: none)",
    };

    /// <summary><c>--udp</c>: datagrams instead of a stream (UDP, or Unix datagram with --unix).</summary>
    public static readonly Option<bool> Udp = new("--udp")
    {
        Description = "Serve datagrams (UDP; Unix datagram with --unix) instead of a stream (default: off)",
    };

    /// <summary><c>--tls-cert PATH</c>: serve TLS with this certificate.</summary>
    public static readonly Option<string?> TlsCert = new("--tls-cert")
    {
        Description = "Serve TLS with this certificate (PEM, or PFX); wins over tls.certificate in --config (default: none)",
    };

    /// <summary><c>--tls-key PATH</c>: the PEM key of <c>--tls-cert</c>.</summary>
    public static readonly Option<string?> TlsKey = new("--tls-key")
    {
        Description = "The PEM private key of --tls-cert (leave out for a PFX or a PEM holding its key) (default: none)",
    };

    /// <summary><c>--proxy-protocol MODE</c>: read a PROXY protocol header first.</summary>
    public static readonly Option<ProxyProtocolMode> ProxyProtocol = new("--proxy-protocol")
    {
        Description = "Read a PROXY protocol v1/v2 header first (behind a load balancer): Off, On or Optional",
        DefaultValueFactory = _ => ProxyProtocolMode.Off,
    };

    /// <summary><c>--proxy-protocol-trusted CIDR...</c>: the peers that may send a PROXY header.</summary>
    public static readonly Option<string[]> ProxyProtocolTrusted = new("--proxy-protocol-trusted")
    {
        Description = "With --proxy-protocol: the load balancers' networks (CIDR, e.g. 10.0.0.0/8), the only peers whose PROXY header is honoured; * trusts any peer; wins over proxy-protocol-trusted in --config (default: none)",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary><c>--workers N</c>: worker processes in forking mode.</summary>
    public static readonly Option<int> Workers = new("--workers")
    {
        Description = "Forking mode: worker processes to start and keep alive (0: only nodes started by hand); wins over forking.workers in --config",
        DefaultValueFactory = _ => new ForkingOptions().Workers,
    };

    /// <summary><c>--max-children N</c>: requests in workers at once in forking mode.</summary>
    public static readonly Option<int> MaxChildren = new("--max-children")
    {
        Description = "Forking mode: requests in workers at once; further clients wait in the backlog; wins over forking.max-children in --config",
        DefaultValueFactory = _ => new ForkingOptions().MaxChildren,
    };

    /// <summary><c>--cluster-port P</c>: the listener's cluster port in forking mode.</summary>
    public static readonly Option<int> ClusterPort = new("--cluster-port")
    {
        Description = "Forking mode: the listener's cluster port, which worker nodes join; 0 picks a free one; wins over forking.cluster-port in --config. " +
                      "Threading or sync mode: this server is a listener node, in a cluster of servers, on this port (see --seed-nodes); wins over cluster.port",
        DefaultValueFactory = _ => 0,
    };

    /// <summary><c>--worker</c>: run as a worker node instead of a server.</summary>
    public static readonly Option<bool> Worker = new("--worker")
    {
        Description = "Run as a forking-mode worker node that joins --seed-nodes (the listener starts its own workers this way) (default: off)",
    };

    /// <summary><c>--seed-nodes ADDRESS...</c>: the listener's cluster address, for <c>--worker</c>; or,
    /// for a server in threading or sync mode, the seed nodes of its cluster of listener nodes.</summary>
    public static readonly Option<string[]> SeedNodes = new("--seed-nodes")
    {
        Description = "With --worker: the listener's cluster address(es), e.g. akka.tcp://actorsockets@127.0.0.1:4053 (several: separated by spaces or commas). " +
                      "A threading or sync server: join the cluster of listener nodes these seeds belong to (the same list on every node; " +
                      "with --cluster-port alone the node seeds itself); wins over cluster.seed-nodes (default: none)",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary><c>--control-socket PATH</c>: where a successor takes this server over.</summary>
    public static readonly Option<string?> ControlSocketPath = new("--control-socket")
    {
        Description = "Listen on this Unix socket (mode 0600, same user only) for a successor started with --take-over; " +
                      "once it serves, stop accepting, finish the open connections (up to drain-timeout) and exit 0 (default: none)",
    };

    /// <summary><c>--take-over PATH</c>: take the listening socket of the server whose control socket this is.</summary>
    public static readonly Option<string?> TakeOver = new("--take-over")
    {
        Description = "Take the listening socket over from the server with this --control-socket instead of binding, " +
                      "serve, then tell it to stop accepting; if this process fails first, that server goes on (default: none)",
    };
}
