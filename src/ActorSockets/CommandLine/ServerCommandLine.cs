using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ActorSockets.Forking;
using ActorSockets.Servers;
using Akka.Actor;

namespace ActorSockets.CommandLine;

/// <summary>What a server program's handler factory gets: the parsed command line and the
/// server options built from it.</summary>
/// <param name="Parsed">The parse result, for the program's own options.</param>
/// <param name="Options">The server options the standard options describe.</param>
public sealed record ServerCommandLineContext(ParseResult Parsed, ServerOptions Options);

/// <summary>
/// The standard command line of every ActorSockets server program, so a user's own server gets
/// it with one call: <c>--host</c>, <c>--port</c>, <c>--mode</c>, <c>--unix</c>, <c>--udp</c>.
/// Once bound it prints exactly one line, <c>LISTENING &lt;port&gt;</c> (or the Unix path), on
/// stdout; Ctrl-C and SIGTERM shut it down gracefully with exit code 0; bad arguments print
/// the usage and exit with code 2.
/// </summary>
public static class ServerCommandLine
{
    /// <summary>Exit code for bad arguments (as getopt-style tools use).</summary>
    public const int UsageError = 2;

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
        Description = "Listen on this Unix socket path instead of --host/--port",
    };

    /// <summary><c>--udp</c>: datagrams instead of a stream (UDP, or Unix datagram with --unix).</summary>
    public static readonly Option<bool> Udp = new("--udp")
    {
        Description = "Serve datagrams (UDP; Unix datagram with --unix) instead of a stream",
    };

    /// <summary><c>--workers N</c>: worker processes in forking mode.</summary>
    public static readonly Option<int> Workers = new("--workers")
    {
        Description = "Forking mode: worker processes to start and keep alive (0: only nodes started by hand)",
        DefaultValueFactory = _ => new ForkingOptions().Workers,
    };

    /// <summary><c>--max-children N</c>: requests in workers at once in forking mode.</summary>
    public static readonly Option<int> MaxChildren = new("--max-children")
    {
        Description = "Forking mode: requests in workers at once; further clients wait in the backlog",
        DefaultValueFactory = _ => new ForkingOptions().MaxChildren,
    };

    /// <summary><c>--cluster-port P</c>: the listener's cluster port in forking mode.</summary>
    public static readonly Option<int> ClusterPort = new("--cluster-port")
    {
        Description = "Forking mode: the listener's cluster port, which worker nodes join; 0 picks a free one",
        DefaultValueFactory = _ => 0,
    };

    /// <summary><c>--worker</c>: run as a worker node instead of a server.</summary>
    public static readonly Option<bool> Worker = new("--worker")
    {
        Description = "Run as a forking-mode worker node that joins --seed-nodes (the listener starts its own workers this way)",
    };

    /// <summary><c>--seed-nodes ADDRESS...</c>: the listener's cluster address, for <c>--worker</c>.</summary>
    public static readonly Option<string[]> SeedNodes = new("--seed-nodes")
    {
        Description = "With --worker: the listener's cluster address(es), e.g. akka.tcp://actorsockets@127.0.0.1:4053",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>Parses <paramref name="args"/>, starts the server, prints <c>LISTENING</c>, serves
    /// until Ctrl-C or SIGTERM, then closes gracefully. Returns the process exit code.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="description">One line for <c>--help</c>.</param>
    /// <param name="handler">Builds the handler props (and may adjust nothing else) from the parsed command line.</param>
    /// <param name="extraOptions">The program's own options, added to the standard ones.</param>
    public static Task<int> RunAsync(string[] args, string description,
        Func<ServerCommandLineContext, Props> handler, params Option[] extraOptions)
        => RunAsync(args, description, handler, onStarted: null, extraOptions);

    /// <summary>Like the overload without <paramref name="onStarted"/>, with a hook for the program's own actors.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="description">One line for <c>--help</c>.</param>
    /// <param name="handler">Builds the handler props from the parsed command line.</param>
    /// <param name="extraOptions">The program's own options, added to the standard ones.</param>
    /// <param name="onStarted">Called once the server is bound, before serving: create the program's
    /// own actors (a chat room, a shared counter) in <see cref="SocketServer.System"/>. Not called
    /// in worker processes, so such actors live in the listener only. If it throws, the program
    /// prints the message and exits with code 1.</param>
    public static async Task<int> RunAsync(string[] args, string description,
        Func<ServerCommandLineContext, Props> handler, Action<SocketServer>? onStarted, params Option[] extraOptions)
    {
        var command = CreateCommand(description, extraOptions);
        var parsed = command.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
            Console.Error.WriteLine("Run with --help for the usage.");
            return UsageError;
        }
        if (IsHelp(args)) return await parsed.InvokeAsync();

        ServerOptions options;
        try
        {
            options = BuildOptions(parsed);
            options.Validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return UsageError;
        }
        var handlerProps = handler(new ServerCommandLineContext(parsed, options));
        if (parsed.GetValue(Worker))
        {
            if (parsed.GetValue(SeedNodes) is not { Length: > 0 } seeds)
            {
                Console.Error.WriteLine("--worker needs --seed-nodes ADDRESS (the listener prints it as 'CLUSTER <address>').");
                return UsageError;
            }
            return await WorkerNode.RunAsync(handlerProps, seeds, options.Forking.ClusterHost);
        }
        return await ServeAsync(options, handlerProps, onStarted);
    }

    /// <summary>The root command with the standard options and <paramref name="extraOptions"/>.</summary>
    public static RootCommand CreateCommand(string description, params Option[] extraOptions)
    {
        var command = new RootCommand(description) { Host, Port, Mode, Unix, Udp, Workers, MaxChildren, ClusterPort, Worker, SeedNodes };
        foreach (var option in extraOptions) command.Options.Add(option);
        return command;
    }

    /// <summary>Server options from the standard options of a parse result.</summary>
    public static ServerOptions BuildOptions(ParseResult parsed)
    {
        var unixPath = parsed.GetValue(Unix);
        EndPoint endpoint = unixPath is { Length: > 0 }
            ? new UnixDomainSocketEndPoint(unixPath)
            : new IPEndPoint(ParseHost(parsed.GetValue(Host)!), parsed.GetValue(Port));
        return new ServerOptions
        {
            Endpoint = endpoint,
            Kind = parsed.GetValue(Udp) ? SocketKind.Datagram : SocketKind.Stream,
            Mode = parsed.GetValue(Mode),
            Forking = new ForkingOptions
            {
                Workers = parsed.GetValue(Workers),
                MaxChildren = parsed.GetValue(MaxChildren),
                ClusterPort = parsed.GetValue(ClusterPort),
            },
        };
    }

    private static async Task<int> ServeAsync(ServerOptions options, Props handlerProps, Action<SocketServer>? onStarted)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Graceful);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Graceful);
        SocketServer server;
        try
        {
            server = await SocketServer.StartAsync(options, handlerProps);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        await using (server)
        {
            var bound = server.ServerAddress is UnixDomainSocketEndPoint unix
                ? ListeningSocket.PathOf(unix)
                : server.Port.ToString();
            try
            {
                onStarted?.Invoke(server);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"Could not start serving: {e.Message}");
                return 1;
            }
            if (server.ClusterAddress is { } cluster) Console.Error.WriteLine($"CLUSTER {cluster}");
            Console.Out.WriteLine($"LISTENING {bound}");
            Console.Out.Flush();
            await server.ServeForeverAsync(stop.Token);
        }
        return 0;

        void Graceful(PosixSignalContext context)
        {
            context.Cancel = true; // we exit on our own, after closing
            stop.Cancel();
        }
    }

    private static IPAddress ParseHost(string host)
    {
        if (IPAddress.TryParse(host, out var address)) return address;
        if (host == "localhost") return IPAddress.Loopback;
        throw new FormatException($"--host: '{host}' is not an IP address");
    }

    private static bool IsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?" or "--version");
}
