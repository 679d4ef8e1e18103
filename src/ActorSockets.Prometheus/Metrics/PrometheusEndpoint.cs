using System.Net;
using System.Net.Sockets;
using System.Reflection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ActorSockets.Metrics;

/// <summary>
/// Serves the <c>ActorSockets</c> meter in Prometheus text format over HTTP, with
/// OpenTelemetry's Prometheus HttpListener exporter: <c>GET http://HOST:PORT/metrics</c>. The
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
        try
        {
            return Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(resource => resource.AddService(serviceName))
                .AddMeter(ActorSocketsMetrics.MeterName)
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = ListenerHost(host);
                    listener.Port = port;
                    listener.ScrapeEndpointPath = Path;
                    listener.ScrapeResponseCacheDurationMilliseconds = 0; // every scrape sees the latest counts
                })
                .Build();
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException)
        {
            throw new IOException($"Cannot serve metrics on {host}:{port}: {e.Message}", e);
        }
    }

    /// <summary>HttpListener's spelling of an address: <c>+</c> for every address, IPv6 in brackets.</summary>
    private static string ListenerHost(string host)
    {
        if (host is "*" or "+" or "0.0.0.0" or "::" or "[::]") return "+";
        return IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{address}]" : host;
    }
}
