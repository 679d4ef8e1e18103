using System.Net;
using System.Net.Sockets;
using System.Reflection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ActorSockets.Metrics;

/// <summary>
/// Serves the <c>ActorSockets</c> meter in Prometheus text format over HTTP, with
/// OpenTelemetry's Prometheus HttpListener exporter: <c>GET http://HOST:PORT/metrics</c>, whatever
/// the Host header says; a client that has not sent its request head within 10 s is closed. The
/// OpenTelemetry service name (<c>target_info</c>'s <c>service_name</c>) is the program's: its
/// entry assembly's name. What the standard command line's <c>--metrics-port</c> and
/// <c>--metrics-host</c> start when a program references this package.
/// </summary>
public static class PrometheusEndpoint
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>The address served when none is given: loopback only.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>Starts serving on 127.0.0.1:<paramref name="port"/>; dispose the result to stop.</summary>
    /// <exception cref="IOException">The port cannot be listened on.</exception>
    public static IDisposable Start(int port) => Start(port, DefaultHost);

    /// <summary>Starts serving on <paramref name="host"/>:<paramref name="port"/> (<c>0.0.0.0</c>, <c>::</c>
    /// or <c>*</c>: every address); dispose the result to stop.</summary>
    /// <exception cref="IOException">The address cannot be listened on.</exception>
    public static IDisposable Start(int port, string host)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        var serviceName = Assembly.GetEntryAssembly()?.GetName().Name ?? "actorsockets";
        var address = AddressOf(host) ?? throw new IOException($"Cannot serve metrics on {host}:{port}: not an IP address");
        // The exporter listens on a loopback port of its own; clients reach it through the front.
        int exporterPort = FreeLoopbackPort();
        MeterProvider exporter;
        try
        {
            exporter = Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(resource => resource.AddService(serviceName))
                .AddMeter(ActorSocketsMetrics.MeterName)
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = "127.0.0.1";
                    listener.Port = exporterPort;
                    listener.ScrapeEndpointPath = Path;
                    listener.ScrapeResponseCacheDurationMilliseconds = 0; // every scrape sees the latest counts
                })
                .Build();
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException)
        {
            throw new IOException($"Cannot serve metrics on {host}:{port}: {e.Message}", e);
        }
        try
        {
            return new Served(new ScrapeFront(new IPEndPoint(address, port), exporterPort, HeadTimeout), exporter);
        }
        catch (SocketException e)
        {
            exporter.Dispose();
            throw new IOException($"Cannot serve metrics on {host}:{port}: {e.Message}", e);
        }
    }

    /// <summary>How long a scrape client may take to send its request head: past it, it is closed.</summary>
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    private static IPAddress? AddressOf(string host) => host switch
    {
        "*" or "+" or "0.0.0.0" => IPAddress.Any,
        "::" or "[::]" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address : null,
    };

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private sealed class Served(ScrapeFront front, MeterProvider exporter) : IDisposable
    {
        public void Dispose()
        {
            front.Dispose();
            exporter.Dispose();
        }
    }
}
