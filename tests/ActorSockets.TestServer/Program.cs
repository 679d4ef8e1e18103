// A server program for tests that need real processes (forking mode relaunches this program as
// its workers). --handler picks what a request does:
//   pid      echo each line prefixed with the serving process id: "<pid> <line>", until EOF
//   count    one request = one increment of a counter actor in the listener; answers the new value
//   total    answers the counter's value
//   fail     throws in Handle when the line is "boom", else echoes it with the pid
using System.CommandLine;
using ActorSockets.CommandLine;
using ActorSockets.Handlers;
using Akka.Actor;

var handler = new Option<string>("--handler") { Description = "pid | count | total | fail", DefaultValueFactory = _ => "pid" };
return await ServerCommandLine.RunAsync(args, "ActorSockets test server",
    cli => cli.Parsed.GetValue(handler) switch
    {
        "count" => Props.Create(() => new CounterHandler(true)),
        "total" => Props.Create(() => new CounterHandler(false)),
        _ => Props.Create<PidEchoHandler>(),
    },
    onStarted: server => server.System.ActorOf(Props.Create<Counter>(), "counter"),
    handler);

/// <summary>Echoes lines prefixed with the process id; "boom" throws.</summary>
sealed class PidEchoHandler : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineAsync() is { } line)
        {
            if (line == "boom") throw new InvalidOperationException("boom requested");
            await WriteAsync($"{Environment.ProcessId} {line}\n");
        }
    }
}

/// <summary>Increments (or reads) the listener's counter: shared state done with an actor, not
/// a variable each worker process would have its own copy of (seed 004's lost updates).</summary>
sealed class CounterHandler(bool increment) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        var counter = Context.ActorSelection(Request.Server.Path.Root / "user" / "counter");
        var value = await counter.Ask<int>(increment ? "inc" : "get", TimeSpan.FromSeconds(10));
        await WriteAsync($"{value}\n");
    }
}

/// <summary>The one counter, in the listener process.</summary>
sealed class Counter : ReceiveActor
{
    private int _value;

    public Counter()
    {
        Receive<string>(m => m == "inc", _ => Sender.Tell(++_value));
        Receive<string>(m => m == "get", _ => Sender.Tell(_value));
    }
}
