using System.Text;
using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Tests.Support;

/// <summary>Tells <c>probe</c> each lifecycle step it runs, echoes one line, and can be told to throw.</summary>
public sealed class RecordingHandler(IActorRef probe, bool throwInHandle = false) : StreamRequestHandler
{
    protected override Task SetupAsync()
    {
        probe.Tell($"setup {ClientAddress}");
        return Task.CompletedTask;
    }

    protected override async Task HandleAsync()
    {
        probe.Tell("handle");
        var line = await ReadLineBytesAsync();
        if (throwInHandle) throw new InvalidOperationException("handler failed on purpose");
        await WriteAsync(line);
    }

    protected override Task FinishAsync()
    {
        probe.Tell("finish");
        return Task.CompletedTask;
    }
}

/// <summary>Reads one line, reports it started, then waits for <c>gate</c> (which may depend on
/// the line) before answering.</summary>
public sealed class GatedHandler(IActorRef probe, Func<string, Task> gate) : StreamRequestHandler
{
    public GatedHandler(IActorRef probe, Func<Task> gate) : this(probe, _ => gate()) { }

    protected override async Task HandleAsync()
    {
        var line = await ReadLineAsync();
        probe.Tell($"started {line}");
        await gate(line ?? "");
        await WriteAsync($"done {line}\n");
    }
}

/// <summary>Echoes lines until end of stream; throws when a line is "boom".</summary>
public sealed class LineEchoHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineBytesAsync() is { Length: > 0 } line)
        {
            if (Encoding.UTF8.GetString(line).Trim() == "boom") throw new InvalidOperationException("boom");
            await WriteAsync(line);
        }
    }
}

/// <summary>Counts arrivals; all wait until <c>expected</c> handlers are active at once.</summary>
public sealed class Rendezvous(int expected)
{
    private int _arrived;
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Arrive()
    {
        if (Interlocked.Increment(ref _arrived) == expected) _all.TrySetResult();
        return _all.Task;
    }
}

/// <summary>A handler that reads one line and reports the exception its read threw.</summary>
public sealed class ReadErrorHandler(IActorRef probe) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        try
        {
            await ReadLineBytesAsync();
            probe.Tell("no error");
        }
        catch (Exception e)
        {
            probe.Tell(e);
            throw;
        }
    }
}

/// <summary>Calls server shutdown from inside its Handle, then answers.</summary>
public sealed class ShutdownHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        await ReadLineAsync();
        await ShutdownServerAsync();
        await WriteAsync("shut down\n");
    }
}

/// <summary>Answers each line in upper case until end of stream.</summary>
public sealed class UpperHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineAsync() is { } line)
            await WriteAsync(line.ToUpperInvariant() + "\n");
    }
}
