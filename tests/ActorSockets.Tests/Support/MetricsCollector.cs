using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorSockets.Metrics;

namespace ActorSockets.Tests.Support;

/// <summary>
/// Listens to the ActorSockets meter and keeps what one server (by its name tag) records, so
/// tests running in parallel do not see each other's measurements.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MetricsCollector(string serverName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ActorSocketsMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags, serverName));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags, serverName));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags, serverName));
        _listener.Start();
    }

    public IReadOnlyList<Measurement> Measurements => [.. _measurements];

    /// <summary>The sum of what instrument <paramref name="name"/> recorded for the server, of the
    /// measurements whose tag <paramref name="tag"/> is <paramref name="value"/> (null: absent) when given.</summary>
    public double Sum(string name, string? tag = null, string? value = null)
        => Matching(name, tag, value).Sum(m => m.Value);

    /// <summary>How many measurements instrument <paramref name="name"/> recorded for the server (filtered as <see cref="Sum"/>).</summary>
    public long Count(string name, string? tag = null, string? value = null) => Matching(name, tag, value).Count();

    private IEnumerable<Measurement> Matching(string name, string? tag, string? value)
        => _measurements.Where(m => m.Instrument == name
            && (tag is null || (value is null ? !m.Tags.ContainsKey(tag) : Equals(m.Tags.GetValueOrDefault(tag)?.ToString(), value))));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, string serverName)
    {
        var all = new Dictionary<string, object?>();
        foreach (var tag in tags) all[tag.Key] = tag.Value;
        if (all.GetValueOrDefault(ActorSocketsMetrics.ServerNameTag) as string != serverName) return;
        _measurements.Enqueue(new Measurement(instrument.Name, value, all));
    }

    public void Dispose() => _listener.Dispose();
}
