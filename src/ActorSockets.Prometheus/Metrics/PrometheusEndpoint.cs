using System.Net;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ActorSockets.Metrics;

/// <summary>
/// Serves the <c>ActorSockets</c> meter in Prometheus text format over HTTP on loopback, with
/// OpenTelemetry's Prometheus HttpListener exporter: <c>GET http://127.0.0.1:PORT/metrics</c>.
/// What the standard command line's <c>--metrics-port</c> starts when a program references this package.
/// </summary>
public static class PrometheusEndpoint
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>Starts serving on 127.0.0.1:<paramref name="port"/>; dispose the result to stop.</summary>
    /// <exception cref="IOException">The port cannot be listened on.</exception>
    public static IDisposable Start(int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        try
        {
            return Sdk.CreateMeterProviderBuilder()
                .AddMeter(ActorSocketsMetrics.MeterName)
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = "127.0.0.1";
                    listener.Port = port;
                    listener.ScrapeEndpointPath = Path;
                    listener.ScrapeResponseCacheDurationMilliseconds = 0; // every scrape sees the latest counts
                })
                .Build();
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException)
        {
            throw new IOException($"Cannot serve metrics on 127.0.0.1:{port}: {e.Message}", e);
        }
    }
}
