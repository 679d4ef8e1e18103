using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ActorSockets.Configuration;
using ActorSockets.Forking;
using ActorSockets.Hosting;
using ActorSockets.Nodes;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;

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
public static partial class ServerCommandLine
{
    /// <summary>Exit code for bad arguments (as getopt-style tools use).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a failure at run time: the address cannot be bound, serving failed.
    /// A clean stop (Ctrl-C, SIGTERM) exits 0.</summary>
    public const int RuntimeFailure = 1;

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
        var (parsed, exit) = await ParseAsync(CreateCommand(description, extraOptions), args);
        if (exit is { } code) return code;

        ServerOptions options;
        Config config;
        ClusterNodeOptions nodes;
        try
        {
            config = ServiceOptions.LoadConfig(parsed);
            options = ServiceOptions.Resolve(parsed, config);
            ServiceOptions.Validate(parsed, options);
            ServiceOptions.CheckedMetricsPort(parsed);
            nodes = parsed.GetValue(Worker) ? new ClusterNodeOptions() : ClusterFlags.Resolve(parsed, config, options);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or ConfigurationException)
        {
            Console.Error.WriteLine(UsageLine(e));
            return UsageError;
        }
        Predecessor? predecessor = null;
        if (!parsed.GetValue(Worker))
        {
            try
            {
                // The socket taken over, or the one systemd passed, replaces the address; one of the
                // wrong kind is a usage error (and a predecessor hears this process fail and goes on).
                if (parsed.GetValue(TakeOver) is { } takeOver)
                    options = options with { ListenDescriptor = (predecessor = Predecessor.Connect(takeOver)).Descriptor };
                else options = SocketActivation.Apply(options, parsed.GetValue(ServiceOptions.Name)!);
                options.Validate();
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                predecessor?.Dispose();
                Console.Error.WriteLine(UsageLine(e));
                return e is IOException ? RuntimeFailure : UsageError;
            }
        }
        using var _ = predecessor;
        Props handlerProps;
        try
        {
            handlerProps = handler(new ServerCommandLineContext(parsed, options));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(UsageLine(e)); // the program's own options, checked by its handler factory
            return UsageError;
        }
        if (parsed.GetValue(Worker))
        {
            if (ClusterFlags.Seeds(parsed) is not { Length: > 0 } seeds)
            {
                Console.Error.WriteLine("--worker needs --seed-nodes ADDRESS (the listener logs it: 'Cluster address of this listener: <address>').");
                return UsageError;
            }
            try
            {
                foreach (var seed in seeds) ForkingConfig.CheckSeedNode(seed);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(UsageLine(e));
                return UsageError;
            }
            using var workerLogs = ServiceOptions.CreateLoggerFactory(parsed);
            return await WorkerNode.RunAsync(handlerProps, seeds, options.Forking.ClusterHost,
                config => ServerActorSystem.Create("actorsockets", workerLogs, config));
        }
        return await ServeAsync(parsed, config, options, nodes, handlerProps, onStarted, predecessor);
    }

    /// <summary>Parses <paramref name="args"/>. When the program should exit at once — bad arguments
    /// (printed, code <see cref="UsageError"/>) or <c>--help</c>/<c>--version</c> (shown) — the exit
    /// code comes back too.</summary>
    public static async Task<(ParseResult Parsed, int? ExitCode)> ParseAsync(RootCommand command, string[] args)
    {
        var parsed = command.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, as an operator's log expects of a usage error: every problem, then the way to the usage.
            Console.Error.WriteLine($"{string.Join("; ", parsed.Errors.Select(e => OneLine(e.Message)))} (run with --help for the usage)");
            return (parsed, UsageError);
        }
        return (parsed, IsHelp(args) ? await parsed.InvokeAsync() : null);
    }

    /// <summary>A bad flag or setting as one line for the operator: without .NET's
    /// "(Parameter 'x')" note, and with long values cut.</summary>
    private static string UsageLine(Exception e)
    {
        var message = e is ArgumentException { ParamName: { } parameter } ? e.Message.Replace($" (Parameter '{parameter}')", "") : e.Message;
        return ServerConfigurationException.CutValues(message);
    }

    /// <summary>A parser message on one line: the valid values System.CommandLine lists one per
    /// line ("Did you mean one of the following?") follow the question, comma-separated.</summary>
    private static string OneLine(string message)
    {
        // "... for option '--mode' as expected type 'ActorSockets.Servers.ServerMode'": the option says it, the type is .NET's.
        message = System.Text.RegularExpressions.Regex.Replace(message, " as expected type '[^']*'", "");
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (lines.Length == 1 ? lines[0] : $"{lines[0]} {string.Join(", ", lines[1..])}").TrimEnd('.');
    }

    /// <summary>The root command with the standard options and <paramref name="extraOptions"/>.</summary>
    public static RootCommand CreateCommand(string description, params Option[] extraOptions)
    {
        var command = new RootCommand(description) { Host, Port, Mode, Unix, Udp, TlsCert, TlsKey, ProxyProtocol, ProxyProtocolTrusted, Workers, MaxChildren, ClusterPort, Worker, SeedNodes,
            ControlSocketPath, TakeOver };
        foreach (var option in ServiceOptions.All) command.Options.Add(option);
        foreach (var option in extraOptions) command.Options.Add(option);
        return command;
    }

    /// <summary>Server options from a parse result: <c>--config</c>'s (or the default) settings for
    /// <c>--name</c>, with the standard options given on the command line on top.</summary>
    public static ServerOptions BuildOptions(ParseResult parsed)
        => ServiceOptions.Resolve(parsed, ServiceOptions.LoadConfig(parsed));

    private static async Task<int> ServeAsync(ParseResult parsed, Config config, ServerOptions options, ClusterNodeOptions nodes,
        Props handlerProps, Action<SocketServer>? onStarted, Predecessor? predecessor)
    {
        using var stop = new CancellationTokenSource();
        SocketServer? started = null;
        ActorSystem? system = null;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Graceful);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Graceful);
        // Nothing but LISTENING goes to stdout: while the actor system stops (or fails to start),
        // Akka falls back to its own console logger, which writes there; send it to stderr.
        Console.SetOut(Console.Error);
        using var loggerFactory = ServiceOptions.CreateLoggerFactory(parsed);
        var systemConfig = ServiceOptions.ActorSystemConfig(parsed, config);
        if (options.Mode == ServerMode.Forking) // the listener is the cluster's seed node
            systemConfig = systemConfig.WithFallback(ForkingConfig.Listener(options.Forking.ClusterHost, options.Forking.ClusterPort));
        else if (nodes.Enabled) // a listener node: joins (or seeds) the cluster while the server binds
            systemConfig = systemConfig.WithFallback(ClusterNode.Config(nodes));
        system = ServerActorSystem.Create(loggerFactory: loggerFactory, config: systemConfig);
        if (nodes.Enabled) ClusterNode.Join(system); // logs its cluster address
        var exitCode = 1;
        try
        {
            return exitCode = await ServeAsync(system, parsed, options, handlerProps, server =>
            {
                started = server;
                onStarted?.Invoke(server);
            }, new Handover(predecessor, stop), stop.Token);
        }
        finally
        {
            // The server has said it closed. What Akka says while it stops after that (remoting shut
            // down, receive buffers removed) is not the server's, and its last lines race the logger's
            // own stop, printed in Akka's fallback format: above Debug, they are left out.
            if (system.EventStream.LogLevel > Akka.Event.LogLevel.DebugLevel) system.EventStream.SetLogLevel(Akka.Event.LogLevel.WarningLevel);
            // Terminate alone logs "Exiting with [ExitCode:0]" even when the start failed.
            if (exitCode != 0) await CoordinatedShutdown.Get(system).Run(StartFailedReason.Instance);
            await system.Terminate();
        }

        // The first signal drains: requests in flight finish what they have read. A second one
        // stops at once, cutting whatever is still in flight.
        void Graceful(PosixSignalContext context)
        {
            context.Cancel = true; // we exit on our own, after closing
            if (!stop.IsCancellationRequested)
            {
                stop.Cancel();
                return;
            }
            if (Volatile.Read(ref started) is { } server) _ = CutAsync(server);
        }

        async Task CutAsync(SocketServer server)
        {
            int cut = await server.CutRequestsAsync();
            system?.Log.Warning("Second stop signal: stopped at once, {Requests} requests still in flight were cut", cut);
        }
    }

    private static async Task<int> ServeAsync(ActorSystem system, ParseResult parsed, ServerOptions options,
        Props handlerProps, Action<SocketServer>? onStarted, Handover handover, CancellationToken stop)
    {
        SocketServer server;
        IDisposable? metrics = null;
        using var notices = ServiceNotices.FromEnvironment();
        try
        {
            metrics = ServiceOptions.StartMetrics(parsed);
            server = await SocketServer.StartAsync(options, handlerProps, system: system, name: parsed.GetValue(ServiceOptions.Name));
        }
        catch (Exception e)
        {
            // An address in use or not on this machine, workers that never joined, a metrics port taken.
            metrics?.Dispose();
            Console.Error.WriteLine(e.Message);
            return RuntimeFailure;
        }
        using (metrics)
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
                return RuntimeFailure;
            }
            Stdout.WriteLine($"LISTENING {bound}");
            Stdout.Flush();
            var serving = server.ServeForeverAsync(stop);
            notices.Ready();
            ControlSocket? control;
            try
            {
                control = handover.Start(system, server, parsed.GetValue(ControlSocketPath), parsed.GetValue(ServiceOptions.Name)!);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine(e.Message);
                return RuntimeFailure;
            }
            using var _ = control;
            try
            {
                await serving;
                notices.Stopping(); // disposing the server drains it
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine(UnaskedShutdown(system) ?? $"Serving failed: {e.Message}");
                return RuntimeFailure;
            }
            // Serving ended without a stop signal: the actor system is going down under us.
            if (!stop.IsCancellationRequested && UnaskedShutdown(system) is { } why)
            {
                Console.Error.WriteLine(why);
                return RuntimeFailure;
            }
        }
        return 0;
    }

    /// <summary>Why the actor system began shutting down although no stop signal came, in one
    /// line; null when it is not shutting down. A service manager must see such an end as a
    /// failure (exit code 1) and restart the server.</summary>
    private static string? UnaskedShutdown(ActorSystem system)
        => CoordinatedShutdown.Get(system).ShutdownReason switch
        {
            null => null,
            CoordinatedShutdown.ClusterDowningReason when ClusterNode.IsNode(system)
                => "This node was removed from its cluster (downed: the split-brain resolver kept the other side); exiting with code 1",
            CoordinatedShutdown.ClusterDowningReason => "The listener was removed from its forking-mode cluster (downed by another node); exiting with code 1",
            var reason => $"The actor system shut down unasked ({reason.GetType().Name}); exiting with code 1",
        };

    /// <summary>The process's stdout, kept when <c>Console.Out</c> is pointed at stderr.</summary>
    private static readonly TextWriter Stdout = Console.Out;

    private static bool IsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?" or "--version");
}
