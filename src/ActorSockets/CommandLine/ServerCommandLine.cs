using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
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
        Description = "How requests are processed: Sync (one at a time) or Threading (a handler actor per connection)",
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

    /// <summary>Parses <paramref name="args"/>, starts the server, prints <c>LISTENING</c>, serves
    /// until Ctrl-C or SIGTERM, then closes gracefully. Returns the process exit code.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="description">One line for <c>--help</c>.</param>
    /// <param name="handler">Builds the handler props (and may adjust nothing else) from the parsed command line.</param>
    /// <param name="extraOptions">The program's own options, added to the standard ones.</param>
    public static Task<int> RunAsync(string[] args, string description,
        Func<ServerCommandLineContext, Props> handler, params Option[] extraOptions)
        => RunAsync(args, description, handler, beforeServing: null, extraOptions);

    /// <summary>Like <see cref="RunAsync(string[], string, Func{ServerCommandLineContext, Props}, Option[])"/>,
    /// and calls <paramref name="beforeServing"/> once the server is bound, before it accepts a
    /// client, in the server's own process: the place to create actors that handlers find by
    /// path in the server's actor system (<c>Request.Server.Path.Root / "user" / name</c>), or to
    /// prepare folders. An exception from it stops the program with exit code 1.</summary>
    public static async Task<int> RunAsync(string[] args, string description,
        Func<ServerCommandLineContext, Props> handler,
        Action<ServerCommandLineContext, SocketServer>? beforeServing, params Option[] extraOptions)
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
        var context = new ServerCommandLineContext(parsed, options);
        return await ServeAsync(options, handler(context), server => beforeServing?.Invoke(context, server));
    }

    /// <summary>The root command with the standard options and <paramref name="extraOptions"/>.</summary>
    public static RootCommand CreateCommand(string description, params Option[] extraOptions)
    {
        var command = new RootCommand(description) { Host, Port, Mode, Unix, Udp };
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
        };
    }

    private static async Task<int> ServeAsync(ServerOptions options, Props handlerProps, Action<SocketServer> beforeServing)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Graceful);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Graceful);
        SocketServer server;
        try
        {
            server = await SocketServer.StartAsync(options, handlerProps);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        await using (server)
        {
            try
            {
                beforeServing(server);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"Could not start serving: {e.Message}");
                return 1;
            }
            var bound = server.ServerAddress is UnixDomainSocketEndPoint unix
                ? ListeningSocket.PathOf(unix)
                : server.Port.ToString();
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
