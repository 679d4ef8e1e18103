namespace ActorSockets.Tests.Support;

/// <summary>Waits for a condition with a deadline: tests never sleep to synchronise.</summary>
public static class Eventually
{
    public static async Task Until(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {within} waiting for: {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>Awaits <paramref name="task"/> or fails the test after <paramref name="within"/>.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan within, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(within)) != task)
            throw new TimeoutException($"Timed out after {within} waiting for: {what}");
        return await task;
    }

    /// <inheritdoc cref="Within{T}"/>
    public static async Task Within(this Task task, TimeSpan within, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(within)) != task)
            throw new TimeoutException($"Timed out after {within} waiting for: {what}");
        await task;
    }
}
