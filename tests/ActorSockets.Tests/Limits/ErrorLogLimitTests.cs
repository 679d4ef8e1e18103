using System.Text;
using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>HandleError's default report is compact and rate-limited per server: hostile clients
/// that make every handler fail cannot flood the log.</summary>
public class ErrorLogLimitTests(ITestOutputHelper output)
{
    private const int Clients = 500;

    [Fact]
    public async Task Five_hundred_clients_sending_invalid_UTF8_cost_a_bounded_log_and_the_rest_are_counted()
    {
        using var server = await SampleProcess.StartAsync("ActorSockets.TestServer", "--port", "0", "--handler", "pid");
        var before = server.Stderr.Length;

        for (var batch = 0; batch < Clients; batch += 50)
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
            {
                using var client = await TestClient.ConnectAsync(server.Port);
                await client.SendAsync([(byte)'c', (byte)'a', (byte)'f', 0xC3, 0x28, (byte)'\n']); // a broken two-byte sequence
                await client.ReadUntilClosedAsync();
            }));

        // Every failure is either reported or counted in a "Suppressed N" line at its window's end.
        await Eventually.Until(() => Reported(server.Stderr) + Suppressed(server.Stderr) == Clients, TimeSpan.FromSeconds(15),
            $"{Clients} failures reported or counted");
        var log = server.Stderr[before..];
        output.WriteLine($"{Encoding.UTF8.GetByteCount(log)} bytes of log: {Reported(log)} reports, {Suppressed(log)} suppressed");
        Assert.True(Suppressed(log) > 0, "some reports were suppressed");
        Assert.True(Encoding.UTF8.GetByteCount(log) < 64 * 1024, $"log of {Encoding.UTF8.GetByteCount(log)} bytes for {Clients} failures");
        Assert.DoesNotContain("   at ", log); // a report is the message and the top frames, on one line
        Assert.Equal(0, await server.StopAsync());
    }

    private static int Reported(string log) => Regex.Matches(log, @"for client \S+ failed: ").Count;

    private static int Suppressed(string log)
        => Regex.Matches(log, @"Suppressed (\d+) more handler failure reports").Sum(m => int.Parse(m.Groups[1].Value));
}
