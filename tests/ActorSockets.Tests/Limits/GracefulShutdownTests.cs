using System.Diagnostics;
using System.Text;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

/// <summary>Issue item 6: closing under load stops accepting at once, lets every accepted request
/// finish within the drain deadline, then closes the rest with a clean FIN.</summary>
public class GracefulShutdownTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private const int Clients = 64;

    [Fact]
    public async Task Closing_with_64_requests_in_flight_stops_accepting_at_once_and_every_request_finishes_with_a_FIN()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await ServeAsync(ServerOptions.Tcp() with { DrainTimeout = TimeSpan.FromSeconds(30) },
            Props.Create(() => new GatedHandler(TestActor, () => release.Task)));
        var clients = await StartRequestsAsync(server);

        var clock = Stopwatch.StartNew();
        var closing = server.CloseAsync();
        await Eventually.Until(() => !TestClient.IsListening(server.Port), Deadline, "new connections to be refused");
        var refusedAfter = clock.Elapsed;
        Assert.False(closing.IsCompleted, "close waits for the requests in flight");
        release.SetResult();

        var endings = await Task.WhenAll(clients.Select(c => c.ReadUntilClosedAsync()));
        await closing.Within(Deadline, "close after the drain");
        int answered = endings.Where((e, i) => Encoding.UTF8.GetString(e.Data) == $"done r{i}\n").Count();
        int fins = endings.Count(e => !e.Reset);
        Output.WriteLine($"{Clients} in flight: new connections refused {refusedAfter.TotalMilliseconds:F0} ms after close began; " +
                         $"{answered} answered, {fins} FIN, {Clients - fins} RST; close took {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal((Clients, Clients), (answered, fins));
        foreach (var client in clients) client.Dispose();
    }

    [Fact]
    public async Task When_the_drain_deadline_passes_first_the_unfinished_requests_are_closed_with_a_FIN()
    {
        var drain = TimeSpan.FromSeconds(3); // the released half finishes well within it even on a loaded machine
        var evens = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        Func<string, Task> gate = line => int.Parse(line[1..]) % 2 == 0 ? evens.Task : never.Task;
        var server = await ServeAsync(ServerOptions.Tcp() with { DrainTimeout = drain },
            Props.Create(() => new GatedHandler(TestActor, gate)));
        var clients = await StartRequestsAsync(server);
        // Bytes no handler will read: the kernel answers closing such a socket with a reset, after
        // the FIN the server sends first, so these clients must still see end of stream.
        for (int i = 1; i < Clients; i += 2) await clients[i].SendAsync("unread\n");

        var clock = Stopwatch.StartNew();
        var closing = server.CloseAsync();
        evens.SetResult();
        var endings = await Task.WhenAll(clients.Select(c => c.ReadUntilClosedAsync()));
        await closing.Within(Deadline, "close after the drain deadline");
        var took = clock.Elapsed;

        int answered = endings.Where((e, i) => i % 2 == 0 && Encoding.UTF8.GetString(e.Data) == $"done r{i}\n").Count();
        int cutOff = endings.Where((e, i) => i % 2 == 1 && e.Data.Length == 0).Count();
        int fins = endings.Count(e => !e.Reset);
        Output.WriteLine($"drain deadline {drain.TotalSeconds} s: {answered} finished and answered, {cutOff} cut off without an answer, " +
                         $"{fins} FIN, {Clients - fins} RST; close took {took.TotalMilliseconds:F0} ms");
        Assert.Equal((Clients / 2, Clients / 2, Clients), (answered, cutOff, fins));
        Assert.InRange(took, drain * 0.9, drain + TimeSpan.FromSeconds(10));
        foreach (var client in clients) client.Dispose();
    }

    /// <summary>Connects <see cref="Clients"/> clients, sends each "r&lt;i&gt;", and waits until every handler started.</summary>
    private async Task<List<TestClient>> StartRequestsAsync(SocketServer server)
    {
        var clients = new List<TestClient>();
        for (int i = 0; i < Clients; i++)
        {
            var client = await TestClient.ConnectAsync(server.Port);
            await client.SendAsync($"r{i}\n");
            clients.Add(client);
        }
        var started = (await ReceiveNAsync(Clients, TimeSpan.FromSeconds(30)).ToListAsync()).Cast<string>().ToHashSet();
        Assert.Equal(Enumerable.Range(0, Clients).Select(i => $"started r{i}").ToHashSet(), started);
        return clients;
    }
}
