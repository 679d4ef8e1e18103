// HostedEcho: two ActorSockets servers in one .NET generic host, added with Akka.Hosting.
// "echo" sends back every byte; "upper" answers each line in upper case. Their settings come
// from HOCON (--config FILE.conf), then appsettings.json / environment variables
// (actorsockets__servers__echo__port=9000), then the command line (--port, --upper-port), then
// code below; later wins. Prints "LISTENING <port> <server>" for each server once bound (echo
// first, then upper); SIGTERM or Ctrl-C drains both through CoordinatedShutdown and exits 0.
// Bad arguments or settings exit 2 with one line on stderr; failing to bind exits 1.
using System.CommandLine;
using ActorSockets.CommandLine;
using ActorSockets.Configuration;
using ActorSockets.Handlers;
using ActorSockets.Hosting;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var upperPort = new Option<int>("--upper-port")
{
    Description = "Port of the upper-case server; 0 picks a free one (default: the configured port)",
    DefaultValueFactory = _ => 0,
};
var command = new RootCommand("Two servers in one generic host: echo and upper-case.")
{
    ServerCommandLine.Port, upperPort, ServiceOptions.Config, ServiceOptions.MetricsPort, ServiceOptions.MetricsHost,
    ServiceOptions.LogLevel, ServiceOptions.LogFormat,
};
var (parsed, exit) = await ServerCommandLine.ParseAsync(command, args);
if (exit is { } code) return code;

var builder = Host.CreateApplicationBuilder(); // appsettings.json and environment variables
Config config;
try
{
    var fromCommandLine = "";
    if (ServiceOptions.Given(parsed, ServerCommandLine.Port)) fromCommandLine += $"actorsockets.servers.echo.port = {parsed.GetValue(ServerCommandLine.Port)}\n";
    if (ServiceOptions.Given(parsed, upperPort)) fromCommandLine += $"actorsockets.servers.upper.port = {parsed.GetValue(upperPort)}\n";
    config = ConfigurationFactory.ParseString(fromCommandLine)
        .WithFallback(ActorSocketsConfiguration.ToConfig(builder.Configuration))
        .WithFallback(ServiceOptions.LoadConfig(parsed));
    ServiceOptions.CheckedMetricsPort(parsed);
    ServerConfig.Read(config, "echo").Validate(); // every setting checked before anything starts
    ServerConfig.Read(config, "upper").Validate();
    ServerConfig.CheckServerNames(config, ["echo", "upper"]); // a misspelt server section, too
}
catch (Exception e) when (e is ArgumentException or ConfigurationException)
{
    Console.Error.WriteLine(e.Message);
    return ServerCommandLine.UsageError;
}
var logLevel = parsed.GetValue(ServiceOptions.LogLevel);

builder.Logging.ClearProviders()
    .SetMinimumLevel(logLevel)
    // A failed start is reported below in one line; Akka.Hosting would log it again with its stack trace,
    // and so would the generic host (at error level).
    .AddFilter("Akka.Hosting.AkkaHostedService", LogLevel.None)
    .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical)
    .AddStderrConsole(parsed.GetValue(ServiceOptions.LogFormat)); // stdout is for LISTENING only
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(1));
builder.Services.AddAkka("hosted-echo", akka => akka
    .AddHocon(config, HoconAddMode.Prepend)
    .WithActorSocketsLogging(logLevel)
    .WithActorSocketServer<EchoServer>("echo", Props.Create<EchoHandler>())
    .WithActorSocketServer<UpperServer>("upper", Props.Create<UpperHandler>(),
        options => options with { MaxLineLength = Math.Min(options.MaxLineLength, 4096) }));

using var host = builder.Build();
IDisposable? metrics;
try
{
    metrics = ServiceOptions.StartMetrics(parsed);
}
catch (IOException e)
{
    Console.Error.WriteLine(e.Message);
    return ServerCommandLine.RuntimeFailure;
}
// stdout carries only the LISTENING lines: whatever else writes to the console (Akka.Hosting
// reports a failed start there, Akka's fallback logger writes there while stopping) goes to stderr.
var stdout = Console.Out;
Console.SetOut(Console.Error);
using (metrics)
{
    try
    {
        // Akka.Hosting also writes a failed start, stack trace and all, to the console: the one
        // line below says it.
        Console.SetOut(TextWriter.Null);
        await host.StartAsync();
    }
    catch (Exception e)
    {
        Console.Error.WriteLine(e.Message); // an address in use, or a failure of the actor system
        return ServerCommandLine.RuntimeFailure;
    }
    finally
    {
        Console.SetOut(Console.Error);
    }
    foreach (var (name, server) in ActorSocketServers.For(host.Services.GetRequiredService<ActorSystem>()).All)
        stdout.WriteLine($"LISTENING {server.Port} {name}");
    stdout.Flush();
    await host.WaitForShutdownAsync();
}
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
