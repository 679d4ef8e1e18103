using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorSockets.Metrics;

namespace ActorSockets.Tests.Support;

/// <summary>
/// Listens to the ActorSockets meter and sums what one server (by its name tag) records, so
/// tests running in parallel do not see each other's measurements.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    public MetricsCollector(string serverName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ActorSocketsMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags, serverName));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags, serverName));
        _listener.Start();
    }

    /// <summary>The sum of what instrument <paramref name="name"/> recorded for the server.</summary>
    public double Sum(string name) => _sums.GetValueOrDefault(name);

    /// <summary>How many measurements instrument <paramref name="name"/> recorded for the server.</summary>
    public long Count(string name) => _counts.GetValueOrDefault(name);

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, string serverName)
    {
        foreach (var tag in tags)
        {
            if (tag.Key != ActorSocketsMetrics.ServerNameTag) continue;
            if ((string?)tag.Value != serverName) return;
            _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
            _counts.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1);
            return;
        }
    }

    public void Dispose() => _listener.Dispose();
}
