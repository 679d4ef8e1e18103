using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Configuration;

namespace ActorSockets.CommandLine;

/// <summary>What a server program's handler factory gets: the parsed command line and the
/// server options built from it.</summary>
/// <param name="Parsed">The parse result, for the program's own options.</param>
/// <param name="Options">The server options the standard options describe.</param>
public sealed record ServerCommandLineContext(ParseResult Parsed, ServerOptions Options);

/// <summary>
/// The standard command line of every ActorSockets server program, so a user's own server gets
/// it with one call: <c>--host</c>, <c>--port</c>, <c>--mode</c>, <c>--unix</c>, <c>--udp</c>, and
/// <see cref="ServiceOptions"/>' <c>--config</c>, <c>--name</c>, <c>--metrics-port</c>, <c>--log-level</c>.
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
        Description = "Listen on this Unix socket path instead of --host/--port (default: none)",
    };

    /// <summary><c>--udp</c>: datagrams instead of a stream (UDP, or Unix datagram with --unix).</summary>
    public static readonly Option<bool> Udp = new("--udp")
    {
        Description = "Serve datagrams (UDP; Unix datagram with --unix) instead of a stream (default: off)",
    };

    /// <summary>Parses <paramref name="args"/>, starts the server, prints <c>LISTENING</c>, serves
    /// until Ctrl-C or SIGTERM, then closes gracefully. Returns the process exit code.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="description">One line for <c>--help</c>.</param>
    /// <param name="handler">Builds the handler props (and may adjust nothing else) from the parsed command line.</param>
    /// <param name="extraOptions">The program's own options, added to the standard ones.</param>
    public static async Task<int> RunAsync(string[] args, string description,
        Func<ServerCommandLineContext, Props> handler, params Option[] extraOptions)
    {
        var (parsed, exit) = await ParseAsync(CreateCommand(description, extraOptions), args);
        if (exit is { } code) return code;

        ServerOptions options;
        Config config;
        try
        {
            config = ServiceOptions.LoadConfig(parsed);
            options = ServiceOptions.Resolve(parsed, config);
            options.Validate();
            ServiceOptions.CheckedMetricsPort(parsed);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or ConfigurationException)
        {
            Console.Error.WriteLine(e.Message);
            return UsageError;
        }
        return await ServeAsync(parsed, config, options, handler(new ServerCommandLineContext(parsed, options)));
    }

    /// <summary>Parses <paramref name="args"/>. When the program should exit at once — bad arguments
    /// (printed, code <see cref="UsageError"/>) or <c>--help</c>/<c>--version</c> (shown) — the exit
    /// code comes back too.</summary>
    public static async Task<(ParseResult Parsed, int? ExitCode)> ParseAsync(RootCommand command, string[] args)
    {
        var parsed = command.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
            Console.Error.WriteLine("Run with --help for the usage.");
            return (parsed, UsageError);
        }
        return (parsed, IsHelp(args) ? await parsed.InvokeAsync() : null);
    }

    /// <summary>The root command with the standard options and <paramref name="extraOptions"/>.</summary>
    public static RootCommand CreateCommand(string description, params Option[] extraOptions)
    {
        var command = new RootCommand(description) { Host, Port, Mode, Unix, Udp };
        foreach (var option in ServiceOptions.All) command.Options.Add(option);
        foreach (var option in extraOptions) command.Options.Add(option);
        return command;
    }

    /// <summary>Server options from a parse result: <c>--config</c>'s (or the default) settings for
    /// <c>--name</c>, with the standard options given on the command line on top.</summary>
    public static ServerOptions BuildOptions(ParseResult parsed)
        => ServiceOptions.Resolve(parsed, ServiceOptions.LoadConfig(parsed));

    private static async Task<int> ServeAsync(ParseResult parsed, Config config, ServerOptions options, Props handlerProps)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Graceful);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Graceful);
        using var loggerFactory = ServerActorSystem.StderrLoggerFactory(parsed.GetValue(ServiceOptions.LogLevel));
        var system = ServerActorSystem.Create(loggerFactory: loggerFactory, config: ServiceOptions.ActorSystemConfig(parsed, config));
        try
        {
            return await ServeAsync(system, parsed, options, handlerProps, stop.Token);
        }
        finally
        {
            await system.Terminate();
        }

        void Graceful(PosixSignalContext context)
        {
            context.Cancel = true; // we exit on our own, after closing
            stop.Cancel();
        }
    }

    private static async Task<int> ServeAsync(ActorSystem system, ParseResult parsed, ServerOptions options,
        Props handlerProps, CancellationToken stop)
    {
        SocketServer server;
        IDisposable? metrics = null;
        try
        {
            if (parsed.GetValue(ServiceOptions.MetricsPort) is > 0 and var metricsPort)
                metrics = PrometheusEndpoint.Start(metricsPort);
            server = await SocketServer.StartAsync(options, handlerProps, system: system, name: parsed.GetValue(ServiceOptions.Name));
        }
        catch (IOException e)
        {
            metrics?.Dispose();
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        using (metrics)
        await using (server)
        {
            var bound = server.ServerAddress is UnixDomainSocketEndPoint unix
                ? ListeningSocket.PathOf(unix)
                : server.Port.ToString();
            Console.Out.WriteLine($"LISTENING {bound}");
            Console.Out.Flush();
            await server.ServeForeverAsync(stop);
        }
        return 0;
    }

    private static bool IsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?" or "--version");
}
