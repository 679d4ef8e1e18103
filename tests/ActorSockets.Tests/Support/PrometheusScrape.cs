using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>Reads a server program's <c>--metrics-port</c> endpoint (Prometheus text format).</summary>
public static partial class PrometheusScrape
{
    /// <summary>GETs /metrics until <paramref name="metric"/> for <paramref name="server"/> satisfies
    /// <paramref name="done"/> (-1 while absent); returns the last text. Fails after <paramref name="within"/>.</summary>
    public static Task<string> Until(int port, string metric, string server, Func<double, bool> done, TimeSpan within,
        params (string Label, string? Value)[] labels)
        => Until("127.0.0.1", port, metric, server, done, within, labels);

    /// <summary>As <see cref="Until(int, string, string, Func{double, bool}, TimeSpan, ValueTuple{string, string}[])"/>,
    /// for an endpoint on <paramref name="host"/> (a program's <c>--metrics-host</c>).</summary>
    public static async Task<string> Until(string host, int port, string metric, string server, Func<double, bool> done, TimeSpan within,
        params (string Label, string? Value)[] labels)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var response = await http.GetAsync($"http://{host}:{port}/metrics");
            Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {response.StatusCode}");
            var text = await response.Content.ReadAsStringAsync();
            if (done(Value(text, metric, server, labels))) return text;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{metric} for {server} never got there:\n{text}");
            await Task.Delay(50);
        }
    }

    /// <summary>The sample of <paramref name="metric"/> tagged with server <paramref name="server"/> and
    /// each of <paramref name="labels"/> (a null value: the label is absent), or -1. Fails if several match.</summary>
    public static double Value(string text, string metric, string server, params (string Label, string? Value)[] labels)
    {
        var found = Samples(text, metric)
            .Where(s => s.Labels.GetValueOrDefault("actorsockets_server_name") == server
                && labels.All(l => l.Value is null ? !s.Labels.ContainsKey(l.Label) : s.Labels.GetValueOrDefault(l.Label) == l.Value))
            .ToList();
        Assert.True(found.Count <= 1, $"{found.Count} samples of {metric} for {server} match:\n{text}");
        return found.Count == 1 ? found[0].Value : -1;
    }

    /// <summary>Every sample of <paramref name="metric"/>: its labels and value.</summary>
    public static IEnumerable<(IReadOnlyDictionary<string, string> Labels, double Value)> Samples(string text, string metric)
    {
        foreach (Match line in SampleLine().Matches(text))
        {
            if (line.Groups["name"].Value != metric) continue;
            var labels = Label().Matches(line.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            yield return (labels, double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
