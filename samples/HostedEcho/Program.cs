// HostedEcho: two ActorSockets servers in one .NET generic host, added with Akka.Hosting.
// "echo" sends back every byte; "upper" answers each line in upper case. Their settings come
// from HOCON (--config FILE.conf, actorsockets.servers.echo / .upper) and from code below;
// code wins. Prints "LISTENING <port>" for each server once bound (echo first, then upper);
// SIGTERM or Ctrl-C drains both through CoordinatedShutdown and exits 0.
using System.CommandLine;
using ActorSockets.CommandLine;
using ActorSockets.Configuration;
using ActorSockets.Handlers;
using ActorSockets.Hosting;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var command = new RootCommand("Two servers in one generic host: echo and upper-case.")
{
    ServiceOptions.Config, ServiceOptions.MetricsPort, ServiceOptions.LogLevel,
};
var (parsed, exit) = await ServerCommandLine.ParseAsync(command, args);
if (exit is { } code) return code;

Config config;
try
{
    config = ServiceOptions.LoadConfig(parsed);
    // The host reads each server's settings only as it starts, where a bad one is logged with a
    // stack trace by Akka.Hosting: read them here first, so a bad setting is one line and exit 2.
    foreach (var name in new[] { "echo", "upper" }) ServerConfig.Read(config, name);
    ServiceOptions.CheckedMetricsPort(parsed);
}
catch (Exception e) when (e is ArgumentException or ConfigurationException)
{
    Console.Error.WriteLine(e.Message);
    return ServerCommandLine.UsageError;
}
var logLevel = parsed.GetValue(ServiceOptions.LogLevel);

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders()
    .SetMinimumLevel(logLevel)
    // A failed start is reported below in one line; Akka.Hosting would log it again with its stack trace,
    // and so would the generic host (at error level).
    .AddFilter("Akka.Hosting.AkkaHostedService", LogLevel.None)
    .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical)
    .AddSimpleConsole(console => console.SingleLine = true)
    .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace); // stdout is for LISTENING only
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(1));
builder.Services.AddAkka("hosted-echo", akka => akka
    .AddHocon(config, HoconAddMode.Prepend)
    .WithActorSocketsLogging(logLevel)
    .WithActorSocketServer<EchoServer>("echo", Props.Create<EchoHandler>())
    .WithActorSocketServer<UpperServer>("upper", Props.Create<UpperHandler>(),
        options => options with { MaxLineLength = Math.Min(options.MaxLineLength, 4096) }));

using var host = builder.Build();
using var metrics = parsed.GetValue(ServiceOptions.MetricsPort) is > 0 and var port ? PrometheusEndpoint.Start(port) : null;
var stdout = Console.Out;
try
{
    // Akka.Hosting also writes a failed start, stack trace and all, to stdout, which carries
    // LISTENING lines only: the one line below says it.
    Console.SetOut(TextWriter.Null);
    await host.StartAsync();
}
catch (Exception e) when (e is IOException or ConfigurationException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
finally
{
    Console.SetOut(stdout);
}
foreach (var (_, server) in ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>()).All)
    Console.Out.WriteLine($"LISTENING {server.Port}");
Console.Out.Flush();
// From here on stdout carries nothing: while the actor system stops, Akka falls back to its
// own console logger, which writes to stdout; send that to stderr with the rest of the log.
Console.SetOut(Console.Error);
await host.WaitForShutdownAsync();
return 0;

/// <summary>Registry key of the echo server's listener (<c>IRequiredActor&lt;EchoServer&gt;</c>).</summary>
sealed class EchoServer;

/// <summary>Registry key of the upper-case server's listener.</summary>
sealed class UpperServer;

/// <summary>Sends back every byte until the client closes.</summary>
sealed class EchoHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        for (var data = await ReceiveAsync(); data.Length > 0; data = await ReceiveAsync())
            await WriteAsync(data);
    }
}

/// <summary>Answers each line in upper case until the client closes.</summary>
sealed class UpperHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineAsync() is { } line)
            await WriteAsync(line.ToUpperInvariant() + "\n");
    }
}
