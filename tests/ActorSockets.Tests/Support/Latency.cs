using System.Diagnostics;

namespace ActorSockets.Tests.Support;

/// <summary>How fast something answers, on a machine other tests load: the best of a few tries,
/// stopping at the first under the bound, so one lost time slice does not decide.</summary>
public static class Latency
{
    /// <summary>Runs <paramref name="attempt"/> (given its number) up to <paramref name="tries"/>
    /// times; returns every time taken, the last one the first under <paramref name="bound"/> if any.</summary>
    public static async Task<List<TimeSpan>> BestOfAsync(Func<int, Task> attempt, TimeSpan bound, int tries = 5)
    {
        var taken = new List<TimeSpan>();
        for (int i = 0; i < tries && (taken.Count == 0 || taken.Min() >= bound); i++)
        {
            var clock = Stopwatch.StartNew();
            await attempt(i);
            taken.Add(clock.Elapsed);
        }
        return taken;
    }

    /// <summary>The times, for the test's output.</summary>
    public static string Describe(IEnumerable<TimeSpan> taken) => string.Join(", ", taken.Select(t => $"{t.TotalMilliseconds:F1} ms"));
}
