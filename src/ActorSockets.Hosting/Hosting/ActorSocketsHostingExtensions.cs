using System.Runtime.CompilerServices;
using ActorSockets.Configuration;
using ActorSockets.Nodes;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Configuration;
using Akka.DependencyInjection;
using Akka.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorSockets.Hosting;

/// <summary>
/// Akka.Hosting integration: add ActorSockets servers to an actor system built with
/// <c>services.AddAkka(...)</c>. Each server binds when the host starts and drains through
/// CoordinatedShutdown when it stops. Each also has a health check (with
/// <c>services.AddHealthChecks()</c>), <c>actorsockets-&lt;name&gt;</c> tagged <c>actorsockets</c>:
/// Healthy while it listens, Degraded while it drains, Unhealthy when it does not listen.
/// </summary>
/// <example><code>
/// builder.Services.AddAkka("app", akka => akka
///     .WithActorSocketsLogging()
///     .AddHocon(ConfigurationFactory.ParseString("actorsockets.servers.echo.port = 9000"), HoconAddMode.Prepend)
///     .WithActorSocketServer("echo", Props.Create&lt;EchoHandler&gt;())
///     .WithActorSocketServer&lt;UpperServer&gt;("upper", Props.Create&lt;UpperHandler&gt;(), o => o with { Mode = ServerMode.Sync }));
/// </code></example>
public static class ActorSocketsHostingExtensions
{
    private static readonly ConditionalWeakTable<AkkaConfigurationBuilder, HashSet<string>> Names = new();

    /// <summary>
    /// Adds server <paramref name="name"/>: its options are <c>actorsockets.servers.&lt;name&gt;</c>
    /// over <c>actorsockets.server-defaults</c> over the reference configuration, then
    /// <paramref name="configure"/> applied on top (code wins). Find it afterwards with
    /// <see cref="ActorSocketServers"/>; its listener actor is <c>/user/&lt;name&gt;</c>.
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="name">The server's name: its HOCON section, its listener actor's name, its metric tag.</param>
    /// <param name="handlerProps">How to create one handler actor per request.</param>
    /// <param name="configure">Changes made in code to the configured options, e.g.
    /// <c>o =&gt; o with { Mode = ServerMode.Sync }</c>. It may run more than once: keep it free of side effects.</param>
    /// <param name="hooks">Server hooks (VerifyRequest, HandleError, ...); null for the defaults.</param>
    public static AkkaConfigurationBuilder WithActorSocketServer(this AkkaConfigurationBuilder builder, string name,
        Props handlerProps, Func<ServerOptions, ServerOptions>? configure = null, ServerHooks? hooks = null)
        => Add(builder, new HostedServer(name, handlerProps, configure, hooks, register: null));

    /// <summary>
    /// Adds server <paramref name="name"/> as <see cref="WithActorSocketServer"/> does, and registers
    /// its listener in the <see cref="ActorRegistry"/> under <typeparamref name="TKey"/>, so it can be
    /// injected as <c>IRequiredActor&lt;TKey&gt;</c>.
    /// </summary>
    /// <inheritdoc cref="WithActorSocketServer" path="/param"/>
    public static AkkaConfigurationBuilder WithActorSocketServer<TKey>(this AkkaConfigurationBuilder builder, string name,
        Props handlerProps, Func<ServerOptions, ServerOptions>? configure = null, ServerHooks? hooks = null)
        => Add(builder, new HostedServer(name, handlerProps, configure, hooks, (registry, listener) => registry.Register<TKey>(listener)));

    /// <summary>
    /// Adds server <paramref name="name"/> as <see cref="WithActorSocketServer"/> does, with handlers of type
    /// <typeparamref name="THandler"/> created by the host's dependency injection (the service provider
    /// Akka.Hosting gives Akka.DependencyInjection's <c>DependencyResolver</c>): its constructor takes
    /// services, and each handler gets its own service scope, disposed when the handler stops (one
    /// per request: a scoped service such as a DbContext is the request's own).
    /// Threading and sync modes; forking-mode workers build handlers from <c>Props</c> of their own.
    /// </summary>
    /// <typeparam name="THandler">The handler actor type, e.g. a <c>StreamRequestHandler</c> whose constructor takes services.</typeparam>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="name">The server's name: its HOCON section, its listener actor's name, its metric tag.</param>
    /// <param name="configure">Changes made in code to the configured options (see the other overloads).</param>
    /// <param name="hooks">Server hooks; null for the defaults.</param>
    public static AkkaConfigurationBuilder WithActorSocketServer<THandler>(this AkkaConfigurationBuilder builder, string name,
        Func<ServerOptions, ServerOptions>? configure = null, ServerHooks? hooks = null)
        where THandler : ActorBase
        => Add(builder, new HostedServer(name, HandlerProps<THandler>, configure, hooks, register: null));

    /// <summary>Props making <typeparamref name="THandler"/> in a service scope of its own, from the host's services.</summary>
    private static Props HandlerProps<THandler>(ActorSystem system) where THandler : ActorBase
    {
        var services = DependencyResolver.For(system).Resolver.GetService<IServiceProvider>()
            ?? throw new InvalidOperationException("WithActorSocketServer<THandler> needs the host's service provider (Akka.Hosting's AddAkka).");
        return Props.CreateBy(new ScopedHandlerProducer<THandler>(services));
    }

    /// <summary>
    /// Adds the <c>actorsockets</c> section of <paramref name="configuration"/> (appsettings.json,
    /// environment variables <c>actorsockets__servers__echo__port=9000</c>, the command line, ...)
    /// to the actor system's configuration, over HOCON added before (see
    /// <see cref="ActorSocketsConfiguration.ToHocon"/> for the mapping). Call it before
    /// <c>WithActorSocketServer</c> so shutdown's drain timeout can take it into account.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorSocketsConfiguration(this AkkaConfigurationBuilder builder,
        Microsoft.Extensions.Configuration.IConfiguration configuration)
        => builder.AddHocon(ActorSocketsConfiguration.ToConfig(configuration), HoconAddMode.Prepend);

    /// <summary>
    /// Sends Akka's log to the host's Microsoft.Extensions.Logging (replacing Akka's stdout
    /// logger) at <paramref name="minimum"/> and above, through <see cref="ActorSocketsLogger"/>:
    /// ActorSockets' events under <c>ActorSockets.*</c> categories with named properties and event
    /// ids, Akka's under Akka's. Servers log bound/stopping/stopped at Information, handler
    /// failures at Warning, each connection accepted/refused/closed at Debug.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorSocketsLogging(this AkkaConfigurationBuilder builder,
        LogLevel minimum = LogLevel.Information)
        => builder.ConfigureLoggers(loggers =>
        {
            loggers.LogLevel = LogLevels.ToAkka(minimum);
            loggers.ClearLoggers();
            loggers.AddLogger<ActorSocketsLogger>();
        });

    /// <summary>
    /// Makes the actor system a listener node: a member of a cluster of servers that each accept
    /// their own clients and share state through Akka.Cluster, with the settings the standard
    /// command line gives a node (<c>hocon/nodes.conf</c>: remoting, role <c>node</c>, Akka's
    /// split-brain resolver with keep-majority). Its options are <c>actorsockets.cluster</c> from
    /// the HOCON added before this call, with <c>enabled</c> turned on, then
    /// <paramref name="configure"/> on top (which may turn it off again: then nothing is added).
    /// When the actor system starts, the node joins its seed nodes (without any, it forms a new
    /// cluster) and logs each member that joins or leaves. Start shard regions and pub/sub beside it
    /// with Akka.Cluster.Hosting's <c>WithShardRegion&lt;TKey&gt;</c> and <c>WithDistributedPubSub</c>
    /// (not its <c>WithClustering</c>: this call configures the cluster), and reach them from a
    /// handler through the <see cref="ActorRegistry"/> (<c>IRequiredActor&lt;TKey&gt;</c>) or
    /// <c>Context.System.ShardRegion(typeName)</c>. Seed node addresses carry the actor system's
    /// name: <c>akka.tcp://&lt;name given to AddAkka&gt;@HOST:PORT</c>, the same on every node.
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="configure">Changes made in code, e.g. <c>node =&gt; node with { Port = 4051, SeedNodes = [...] }</c>.</param>
    /// <exception cref="ServerConfigurationException">A bad or unknown <c>actorsockets.cluster</c> setting, its path named.</exception>
    /// <exception cref="ArgumentException">A bad option set in <paramref name="configure"/>.</exception>
    public static AkkaConfigurationBuilder WithActorSocketsNode(this AkkaConfigurationBuilder builder,
        Func<ClusterNodeOptions, ClusterNodeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = ClusterNodeOptions.Read(builder.Configuration.GetOrElse(Config.Empty)) with { Enabled = true };
        if (configure is not null)
        {
            options = configure(options);
            options.Validate();
        }
        if (!options.Enabled) return builder;
        // Appended: HOCON of the program's own, added before or after, wins over the node's defaults.
        return builder.AddHocon(ClusterNode.Config(options), HoconAddMode.Append)
            .WithActors((system, _) => ClusterNode.Join(system));
    }

    private static AkkaConfigurationBuilder Add(AkkaConfigurationBuilder builder, HostedServer server)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ServerConfig.CheckName(server.Name);
        var names = Names.GetOrCreateValue(builder);
        if (names.Count == 0) builder.AddHocon(HostDrivenShutdown, HoconAddMode.Append);
        if (!names.Add(server.Name))
            throw new ArgumentException($"An ActorSockets server named '{server.Name}' was already added to this actor system.", "name");
        CoverDrainInShutdown(builder, server);
        builder.WithHealthCheck(ServerHealth.CheckName(server.Name), (system, _, cancel) => ServerHealth.CheckAsync(system, server.Name, cancel),
            tags: [ServerHealth.Tag]);
        return builder.WithActors(new ActorStarter(async (system, registry) =>
        {
            ServerConfig.CheckServerNames(system.Settings.Config, names); // every server is added by now
            await server.StartAsync(system, registry);
        }));
    }

    /// <summary>CoordinatedShutdown reads its phase timeouts when the actor system starts, before any
    /// server does: raise the drain phase's timeout now, from the configuration known so far.
    /// Only ever raises it; the server warns at start if the final configuration still falls short.</summary>
    private static void CoverDrainInShutdown(AkkaConfigurationBuilder builder, HostedServer server)
    {
        var config = builder.Configuration.GetOrElse(Config.Empty);
        TimeSpan needed;
        try
        {
            needed = HostedServer.DrainBudget(server.Resolve(config));
        }
        catch (Exception e) when (e is ConfigurationException or ArgumentException)
        {
            return; // reported when the host starts, against the final configuration
        }
        var current = config.WithFallback(AkkaDefaults.Value)
            .GetTimeSpan(HostedServer.DrainPhaseTimeout, TimeSpan.Zero, allowInfinite: true);
        if (needed > current)
            builder.AddHocon(ConfigurationFactory.ParseString(
                $"{HostedServer.DrainPhaseTimeout} = {(long)Math.Ceiling(needed.TotalMilliseconds)}ms"), HoconAddMode.Prepend);
    }

    /// <summary>In a host, the host runs CoordinatedShutdown when it stops. Akka's own process-exit
    /// hook would run it too, racing the host: the host then returns (and disposes its logger
    /// factory) before the drain has finished. Akka's stdout logger, used while the actor system
    /// starts and stops, is off: stdout belongs to the program (its LISTENING lines). A fallback,
    /// so explicit settings still win.</summary>
    private static readonly Config HostDrivenShutdown = ConfigurationFactory.ParseString(
        "akka.coordinated-shutdown.run-by-clr-shutdown-hook = off\nakka.stdout-loglevel = OFF");

    private static readonly Lazy<Config> AkkaDefaults = new(ConfigurationFactory.Default);
}
