using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>Reads a server program's <c>--metrics-port</c> endpoint (Prometheus text format).</summary>
public static class PrometheusScrape
{
    /// <summary>GETs /metrics until <paramref name="metric"/> for <paramref name="server"/> satisfies
    /// <paramref name="done"/> (-1 while absent); returns the last text. Fails after <paramref name="within"/>.</summary>
    public static async Task<string> Until(int port, string metric, string server, Func<double, bool> done, TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var response = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
            Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {response.StatusCode}");
            var text = await response.Content.ReadAsStringAsync();
            if (done(Value(text, metric, server))) return text;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{metric} for {server} never got there:\n{text}");
            await Task.Delay(50);
        }
    }

    /// <summary>The sample of <paramref name="metric"/> tagged with server <paramref name="server"/>, or -1.</summary>
    public static double Value(string text, string metric, string server)
    {
        var match = Regex.Match(text, $@"^{metric}\{{[^}}]*actorsockets_server_name=""{server}""[^}}]*\}} (\S+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }
}
