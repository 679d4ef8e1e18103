using ActorSockets.Tests.Support;
using ActorSockets.Forking;
using Xunit;

namespace ActorSockets.Tests.Forking;

/// <summary>The worker restart rule as a plain class: OTP's intensity, then a doubling backoff
/// capped at restart-backoff-max, and a count cleared by a worker that stayed up past the window.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class RestartBudgetTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Brief = TimeSpan.FromMilliseconds(500);

    private static ForkingOptions Options(TimeSpan? restartDelay = null) => new()
    {
        MaxRestarts = 2, RestartsWithin = TimeSpan.FromSeconds(60), RestartBackoffMax = TimeSpan.FromSeconds(5),
        RestartDelay = restartDelay ?? TimeSpan.Zero,
    };

    [Fact]
    public void Within_the_intensity_restarts_wait_restart_delay_then_back_off_1_2_4_5_5_seconds()
    {
        var budget = new RestartBudget(Options());
        var delays = Enumerable.Range(0, 7).Select(i => budget.NextRestart(Start.AddSeconds(i), Brief)).ToList();
        Assert.Equal([0, 0, 1, 2, 4, 5, 5], delays.Select(d => d.Delay.TotalSeconds));
        Assert.Equal([false, false, true, true, true, true, false], delays.Select(d => d.NewStep)); // one warning a step
    }

    [Fact]
    public void The_backoff_starts_at_restart_delay_when_that_is_longer_than_a_second()
    {
        var budget = new RestartBudget(Options(TimeSpan.FromSeconds(3)));
        var delays = Enumerable.Range(0, 5).Select(i => budget.NextRestart(Start.AddSeconds(i), Brief).Delay.TotalSeconds);
        Assert.Equal([3, 3, 3, 5, 5], delays); // 3 s doubled is past the 5 s cap
    }

    [Fact]
    public void A_worker_that_stayed_up_longer_than_the_window_clears_the_count_and_the_backoff()
    {
        var budget = new RestartBudget(Options());
        for (int i = 0; i < 5; i++) budget.NextRestart(Start.AddSeconds(i), Brief);
        Assert.Equal(TimeSpan.FromSeconds(4), budget.Backoff);
        var afterLongRun = budget.NextRestart(Start.AddSeconds(70), TimeSpan.FromSeconds(61));
        Assert.Equal((TimeSpan.Zero, false), afterLongRun);
        Assert.Equal(1, budget.Restarts);
    }

    [Fact]
    public void Restarts_older_than_the_window_stop_counting()
    {
        var budget = new RestartBudget(Options());
        budget.NextRestart(Start, Brief);
        budget.NextRestart(Start.AddSeconds(1), Brief);
        Assert.Equal(TimeSpan.Zero, budget.NextRestart(Start.AddSeconds(62), Brief).Delay); // the first two fell out of the minute
    }
}
