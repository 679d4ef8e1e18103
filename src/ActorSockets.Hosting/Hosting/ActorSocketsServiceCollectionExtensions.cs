using ActorSockets.Configuration;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ActorSockets.Hosting;

/// <summary>
/// ActorSockets in a generic host or any <see cref="IServiceCollection"/> that does not use
/// Akka.Hosting itself: <see cref="AddActorSockets"/> makes the actor system (through
/// Akka.Hosting, as <c>AddAkka</c> with <c>WithActorSocketServer</c> would), which starts with
/// the host, binds every server, and drains them when the host stops.
/// </summary>
/// <example><code>
/// builder.Services.AddSingleton&lt;Greeting&gt;();
/// builder.Services.AddActorSockets(sockets => sockets.AddServer&lt;GreetingHandler&gt;("greeter"));
/// </code></example>
public static class ActorSocketsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the servers <paramref name="configure"/> names, in an actor system of their own
    /// named <paramref name="actorSystemName"/>, run as a hosted service. Settings are
    /// <c>actorsockets.servers.&lt;name&gt;</c>: from <see cref="ActorSocketsBuilder.AddHocon"/>,
    /// then the host's <see cref="IConfiguration"/> (appsettings.json, environment variables,
    /// command line) over them, then each server's code on top. Also registers
    /// <see cref="ActorSocketServers"/> (the running servers by name), the health checks
    /// (one per server, tag <c>actorsockets</c>), and the actor system's log into the host's.
    /// Call it once per service collection: one actor system per host.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Adds the servers.</param>
    /// <param name="actorSystemName">The actor system's name (its log source and addresses).</param>
    public static IServiceCollection AddActorSockets(this IServiceCollection services, Action<ActorSocketsBuilder> configure,
        string actorSystemName = "actorsockets")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var sockets = new ActorSocketsBuilder(services);
        configure(sockets);
        services.AddHealthChecks();
        services.TryAddSingleton(provider => ActorSocketServers.For(provider.GetRequiredService<ActorSystem>()));
        return services.AddAkka(actorSystemName, (akka, provider) =>
        {
            akka.WithActorSocketsLogging(sockets.MinimumLogLevel);
            foreach (var hocon in sockets.Hocon) akka.AddHocon(hocon, HoconAddMode.Prepend);
            if (provider.GetService<IConfiguration>() is { } configuration) akka.WithActorSocketsConfiguration(configuration);
            foreach (var add in sockets.Servers) add(akka);
        });
    }
}

/// <summary>The servers of <see cref="ActorSocketsServiceCollectionExtensions.AddActorSockets"/>.</summary>
public sealed class ActorSocketsBuilder
{
    internal readonly List<Action<AkkaConfigurationBuilder>> Servers = [];
    internal readonly List<Config> Hocon = [];

    internal ActorSocketsBuilder(IServiceCollection services) => Services = services;

    /// <summary>The host's services, for what the handlers take.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The least level of the actor system's log (ActorSockets' and Akka's) sent to
    /// the host's logging; <see cref="LogLevel.Information"/> by default.</summary>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Information;

    /// <summary>
    /// Adds server <paramref name="name"/> whose handlers are <typeparamref name="THandler"/>,
    /// made from the host's services (constructor injection), each in a service scope of its
    /// own disposed when it stops: a scoped service belongs to one request. Threading and sync modes.
    /// </summary>
    /// <param name="name">The server's name: its settings section, its listener's name, its metric tag.</param>
    /// <param name="configure">Changes made in code to the configured options, e.g.
    /// <c>o =&gt; o with { Mode = ServerMode.Sync }</c>; keep it free of side effects.</param>
    /// <param name="hooks">Server hooks; null for the defaults.</param>
    public ActorSocketsBuilder AddServer<THandler>(string name, Func<ServerOptions, ServerOptions>? configure = null, ServerHooks? hooks = null)
        where THandler : ActorBase
    {
        ServerConfig.CheckName(name);
        Servers.Add(akka => akka.WithActorSocketServer<THandler>(name, configure, hooks));
        return this;
    }

    /// <summary>Adds server <paramref name="name"/> whose handlers <paramref name="handlerProps"/> makes.</summary>
    /// <param name="name">The server's name: its settings section, its listener's name, its metric tag.</param>
    /// <param name="handlerProps">How to create one handler actor per request.</param>
    /// <param name="configure">Changes made in code to the configured options; keep it free of side effects.</param>
    /// <param name="hooks">Server hooks; null for the defaults.</param>
    public ActorSocketsBuilder AddServer(string name, Props handlerProps, Func<ServerOptions, ServerOptions>? configure = null, ServerHooks? hooks = null)
    {
        ServerConfig.CheckName(name);
        ArgumentNullException.ThrowIfNull(handlerProps);
        Servers.Add(akka => akka.WithActorSocketServer(name, handlerProps, configure, hooks));
        return this;
    }

    /// <summary>Adds HOCON settings (e.g. <c>actorsockets.servers.echo.port = 9000</c>, or Akka's
    /// own), under the host's configuration; later calls win over earlier ones.</summary>
    public ActorSocketsBuilder AddHocon(string hocon)
    {
        Hocon.Add(ConfigurationFactory.ParseString(hocon));
        return this;
    }
}
