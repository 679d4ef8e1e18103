using ActorSockets.Configuration;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Done = Akka.Done;
using Akka.Hosting;

namespace ActorSockets.Hosting;

/// <summary>
/// One server added with <c>WithActorSocketServer</c>: resolved from the final configuration and
/// bound when the host starts, drained through CoordinatedShutdown when it stops — new
/// connections refused in <c>service-unbind</c>, requests in flight finished (up to the drain
/// timeout, then closed) in <c>service-requests-done</c>, anything still alive stopped in
/// <c>service-stop</c>.
/// </summary>
internal sealed class HostedServer(string name, Func<ActorSystem, Props> handlerProps, Func<ServerOptions, ServerOptions>? configure,
    ServerHooks? hooks, Action<IActorRegistry, IActorRef>? register)
{
    public HostedServer(string name, Props handlerProps, Func<ServerOptions, ServerOptions>? configure,
        ServerHooks? hooks, Action<IActorRegistry, IActorRef>? register)
        : this(name, _ => handlerProps, configure, hooks, register) { }

    /// <summary>What CoordinatedShutdown needs beyond the drain timeout to close what is left.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(5);

    /// <summary>The phase the drain runs in; its timeout must cover the drain.</summary>
    public const string DrainPhaseTimeout = "akka.coordinated-shutdown.phases.service-requests-done.timeout";

    public string Name => name;

    /// <summary>HOCON by name, then the code's changes on top, validated.</summary>
    public ServerOptions Resolve(Config config)
    {
        var options = ServerConfig.Read(config, name);
        if (configure is null) return options;
        options = configure(options);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ServerConfigurationException($"{ActorSocketsConfig.ServersPath}.{name}",
                $"the options set in code are invalid: {e.Message}", e);
        }
        return options;
    }

    /// <summary>How long the drain phase must be allowed to take for this server.</summary>
    public static TimeSpan DrainBudget(ServerOptions options)
        => (options.BlockOnClose ? options.DrainTimeout : TimeSpan.Zero) + ShutdownMargin;

    /// <summary>Resolves, binds, starts serving, registers, and joins CoordinatedShutdown.</summary>
    public async Task StartAsync(ActorSystem system, IActorRegistry registry)
    {
        ActorSocketsConfig.InjectInto(system);
        var options = Resolve(system.Settings.Config);
        WarnIfDrainPhaseTooShort(system, options);
        SocketServer server;
        try
        {
            server = await SocketServer.StartAsync(options, handlerProps(system), hooks, system, name);
        }
        catch (IOException e)
        {
            // Akka.Hosting answers a failed start by running CoordinatedShutdown for "CLR exit",
            // which logs exit code 0 while the program exits 1: start it first with a reason that agrees.
            _ = CoordinatedShutdown.Get(system).Run(StartFailedReason.Instance);
            throw new IOException($"ActorSockets server '{name}': {e.Message}", e);
        }
        _ = server.Start().ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        ActorSocketServers.For(system).Add(name, server);
        register?.Invoke(registry, server.Listener);
        JoinShutdown(system, server);
    }

    private void JoinShutdown(ActorSystem system, SocketServer server)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        Task closing = Task.CompletedTask;
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, $"actorsockets-{name}-refuse-new", () =>
        {
            // Close releases the listening socket as soon as the listener reads it, then drains.
            Log(system).Info("Stopping server {Server}: refusing new connections, draining requests in flight for up to {DrainTimeout}",
                name, server.Options.DrainTimeout);
            closing = CloseQuietly(server);
            return Task.FromResult(Done.Instance);
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, $"actorsockets-{name}-drain", async () =>
        {
            await closing;
            return Done.Instance;
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, $"actorsockets-{name}-stop", async () =>
        {
            if (closing.IsCompleted) return Done.Instance;
            Log(system).Warning("Server {Server} did not finish draining within the shutdown phase; stopping it", name);
            await server.Listener.GracefulStop(ShutdownMargin).ContinueWith(_ => { });
            return Done.Instance;
        });
    }

    /// <summary>The hosting log: its category is <c>ActorSockets.Hosting</c>, not the actor system's.</summary>
    private static ILoggingAdapter Log(ActorSystem system) => Logging.GetLogger(system, typeof(HostedServer));

    private static async Task CloseQuietly(SocketServer server)
    {
        try
        {
            await server.CloseAsync();
        }
        catch (Exception e) when (e is ObjectDisposedException or AskTimeoutException)
        {
            // Already stopped, or stuck: service-stop deals with what is left.
        }
    }

    private void WarnIfDrainPhaseTooShort(ActorSystem system, ServerOptions options)
    {
        var phase = system.Settings.Config.GetTimeSpan(DrainPhaseTimeout, null, allowInfinite: true);
        if (options.BlockOnClose && phase < options.DrainTimeout + TimeSpan.FromSeconds(1))
            Log(system).Warning("{Setting} ({Phase}) does not cover {ServersPath}.{Server}.drain-timeout ({DrainTimeout}): a stopping host will cut requests " +
                "short. Raise the phase timeout, or add HOCON before WithActorSocketServer so it is raised for you.",
                DrainPhaseTimeout, phase, ActorSocketsConfig.ServersPath, name, options.DrainTimeout);
    }
}
