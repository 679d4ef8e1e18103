using System.Net;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Tests.Support;

/// <summary>Tells <c>probe</c> "started" when it runs, then echoes lines until end of stream.</summary>
public sealed class StartedEchoHandler(IActorRef probe) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        probe.Tell("started");
        while (await ReadLineBytesAsync() is { Length: > 0 } line) await WriteAsync(line);
    }
}

/// <summary>One request per connection: reads a number n, answers n*n, or throws when n is a
/// multiple of 10 (a failing request's client sees the connection close without an answer).</summary>
public sealed class SquareHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        long n = long.Parse(await ReadLineAsync() ?? throw new InvalidDataException("no number"));
        if (n % 10 == 0) throw new InvalidOperationException($"{n} is a multiple of ten");
        await WriteAsync($"{n * n}\n");
    }
}

/// <summary>Writes <c>total</c> bytes in 64 KiB pieces through <c>WriteAsync</c>, counting the
/// bytes each call returned for in <c>progress</c>; tells <c>probe</c> how it ended.</summary>
public sealed class FloodHandler(IActorRef probe, SharedCounter progress, long total) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        var chunk = new byte[64 * 1024];
        try
        {
            for (long sent = 0; sent < total; sent += chunk.Length)
            {
                await WriteAsync(chunk);
                Interlocked.Add(ref progress.Value, chunk.Length);
            }
            await FlushAsync();
            probe.Tell("flood done");
        }
        catch (Exception e)
        {
            probe.Tell(e);
            throw;
        }
    }
}

/// <summary>A mutable long shared between a test and its handlers.</summary>
public sealed class SharedCounter
{
    public long Value;
}

/// <summary>Queues writes by telling the connection directly, never waiting for the client: the
/// connection's write buffer limit is what stops it.</summary>
public sealed class OverfillHandler(int pieces) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        await ReadLineBytesAsync();
        for (int i = 0; i < pieces; i++) Connection.Tell(new Write(new byte[64 * 1024]), Self);
        await FlushAsync();
    }
}

/// <summary>Reads one text line and answers its length; reports the exception a read threw.</summary>
public sealed class TextLineHandler(IActorRef probe) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        try
        {
            var line = await ReadLineAsync();
            await WriteAsync($"{line?.Length ?? -1}\n");
        }
        catch (Exception e)
        {
            probe.Tell(e);
            throw;
        }
    }
}

/// <summary>Throws in Setup or Finish (<c>where</c>), else echoes one line.</summary>
public sealed class PhaseThrowingHandler(IActorRef probe, string where) : StreamRequestHandler
{
    protected override Task SetupAsync()
        => where == "setup" ? throw new InvalidOperationException("setup failed on purpose") : Task.CompletedTask;

    protected override async Task HandleAsync()
    {
        probe.Tell("handle");
        await WriteAsync(await ReadLineBytesAsync());
    }

    protected override Task FinishAsync()
    {
        probe.Tell("finish");
        return where == "finish" ? throw new InvalidOperationException("finish failed on purpose") : Task.CompletedTask;
    }
}

/// <summary>Hooks that count handler failures without logging each one (load tests throw thousands).</summary>
public sealed class CountingHooks : ServerHooks
{
    private int _errors;
    public readonly List<(RequestInfo Request, Exception Error)> Errors = [];

    public int ErrorCount => Volatile.Read(ref _errors);

    public override void HandleError(RequestInfo request, Exception error, ILoggingAdapter log)
    {
        Interlocked.Increment(ref _errors);
        lock (Errors) if (Errors.Count < 100) Errors.Add((request, error));
    }

    public override bool VerifyRequest(EndPoint client) => true;
}

/// <summary>Writes <c>count</c> numbered lines, one every <c>interval</c>, reading nothing.</summary>
public sealed class TickerHandler(int count, TimeSpan interval) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        for (int i = 0; i < count; i++)
        {
            await WriteAsync($"tick {i}\n");
            await FlushAsync();
            await Task.Delay(interval);
        }
    }
}
