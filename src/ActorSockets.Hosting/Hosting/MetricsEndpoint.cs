using System.Reflection;

namespace ActorSockets.Hosting;

/// <summary>
/// The standard command line's <c>--metrics-port</c>: a Prometheus scrape endpoint for the
/// <c>ActorSockets</c> meter. It is served by the separate, prerelease ActorSockets.Prometheus
/// package (its exporter, OpenTelemetry's Prometheus HttpListener, is prerelease, and no stable
/// package may depend on it), found by type name when the program references it — the way Akka
/// finds its providers.
/// </summary>
internal static class MetricsEndpoint
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    private const string ImplementationType = "ActorSockets.Metrics.PrometheusEndpoint, ActorSockets.Prometheus";

    private static readonly Lazy<MethodInfo?> StartMethod = new(() =>
        Type.GetType(ImplementationType, throwOnError: false)?.GetMethod("Start", [typeof(int), typeof(string)]));

    /// <summary>Whether the program can serve metrics (it references ActorSockets.Prometheus).</summary>
    public static bool Available => StartMethod.Value is not null;

    /// <summary>Starts serving on <paramref name="host"/>:<paramref name="port"/>; dispose the result to stop.</summary>
    /// <exception cref="IOException">The port cannot be listened on.</exception>
    public static IDisposable Start(int port, string host = "127.0.0.1")
    {
        var start = StartMethod.Value ?? throw new InvalidOperationException(
            "--metrics-port needs the ActorSockets.Prometheus package (dotnet add package ActorSockets.Prometheus --prerelease).");
        try
        {
            return (IDisposable)start.Invoke(null, [port, host])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
