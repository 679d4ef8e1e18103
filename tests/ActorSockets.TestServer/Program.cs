// A server program for tests that need real processes (forking mode relaunches this program as
// its workers). --handler picks what a request does:
//   pid      echo each line prefixed with the serving process id: "<pid> <line>", until EOF
//   count    one request = one increment of a counter actor in the listener; answers the new value
//   total    answers the counter's value
//   fail     throws in Handle when the line is "boom", else echoes it with the pid
//   slow     for each line: logs "READ <line>" to stderr, takes 300 ms, then echoes the line
//   hang     logs "READ <line>" for the first line, then never finishes
//   (slow and hang answer "where" like pid does)
//   actor    timers, Become/Stash, a supervised child, Watch, the event stream (ActorFeaturesHandler.cs)
//   finish   like pid, and a Finish that runs after Handle threw increments the listener's
//            counter; the line "finished" answers the counter's value
// The pid handler ends its process with exit code 3 on the line "exit" (a worker that crashes),
// and fails fast (Environment.FailFast) on the line "failfast"; on "down-listener" it downs the
// listener's cluster node from the worker (as a misbehaving node could).
// The pid handler answers "endpoints" with "<pid> <RemoteEndPoint> <LocalEndPoint>".
// The pid handler answers "endpoints" with "<pid> <RemoteEndPoint> <LocalEndPoint>".
// The pid handler also answers "where" with "<pid> <kind of connection actor>": in forking mode
// "handoff" for a socket handed to the worker, "request" for a relayed request (its stand-in);
// and "who" with "<pid> cert=<client certificate subject> thumbprint=<its SHA-256>" (none: none).
// With --udp every handler is the datagram form of pid: "<pid> <datagram>"; "boom" throws.
using System.CommandLine;
using ActorSockets.CommandLine;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;

var handler = new Option<string>("--handler") { Description = "pid | count | total | fail | finish | slow | hang | actor", DefaultValueFactory = _ => "pid" };
return await ServerCommandLine.RunAsync(args, "ActorSockets test server",
    cli => cli.Options.Kind == SocketKind.Datagram ? Props.Create<PidDatagramHandler>() : cli.Parsed.GetValue(handler) switch
    {
        "count" => Props.Create(() => new CounterHandler(true)),
        "total" => Props.Create(() => new CounterHandler(false)),
        "slow" => Props.Create(() => new SlowEchoHandler(false)),
        "hang" => Props.Create(() => new SlowEchoHandler(true)),
        "finish" => Props.Create<FinishCountingHandler>(),
        "actor" => Props.Create<ActorFeaturesHandler>(),
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
            if (line == "exit") Environment.Exit(3);
            if (line == "failfast") Environment.FailFast("failfast requested");
            if (line == "down-listener")
            {
                var cluster = Akka.Cluster.Cluster.Get(Context.System);
                cluster.Down(cluster.State.Members.First(m => m.HasRole("listener")).Address);
            }
            await WriteAsync(line switch
            {
                "where" => $"{Environment.ProcessId} {Connection.Path.Name.Split('-')[0]}\n",
                "who" => $"{Environment.ProcessId} cert={Request.ClientCertificateSubject ?? "none"} thumbprint={Request.ClientCertificateThumbprint ?? "none"}\n",
                "endpoints" => $"{Environment.ProcessId} {RemoteEndPoint} {LocalEndPoint}\n",
                _ => $"{Environment.ProcessId} {line}\n",
            });
        }
    }
}

/// <summary>Says on stderr which lines it read, so a test can tell what the server took from a
/// client; then answers each after 300 ms of work, or (hang) never finishes.</summary>
sealed class SlowEchoHandler(bool hang) : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineAsync() is { } line)
        {
            if (line == "where") // which kind of connection actor serves it (forking: handoff or request)
            {
                await WriteAsync($"{Environment.ProcessId} {Connection.Path.Name.Split('-')[0]}\n");
                continue;
            }
            Console.Error.WriteLine($"READ {line}");
            if (hang) await Task.Delay(Timeout.Infinite);
            await Task.Delay(300);
            await WriteAsync(line + "\n");
        }
    }
}

/// <summary>Echoes like <see cref="PidEchoHandler"/>; a Finish after Handle threw counts in the
/// listener's counter, and "finished" answers that count.</summary>
sealed class FinishCountingHandler : StreamRequestHandler
{
    private bool _threw;

    protected override async Task HandleAsync()
    {
        var counter = Context.ActorSelection(Request.Server.Path.Root / "user" / "counter");
        while (await ReadLineAsync() is { } line)
        {
            if (line == "boom")
            {
                _threw = true;
                throw new InvalidOperationException("boom requested");
            }
            var reply = line switch
            {
                "finished" => (await counter.Ask<int>("get", TimeSpan.FromSeconds(10))).ToString(),
                "where" => Connection.Path.Name.Split('-')[0],
                _ => line,
            };
            await WriteAsync($"{Environment.ProcessId} {reply}\n");
        }
    }

    protected override async Task FinishAsync()
    {
        if (_threw) await Context.ActorSelection(Request.Server.Path.Root / "user" / "counter").Ask<int>("inc", TimeSpan.FromSeconds(10));
    }
}

/// <summary>Answers a datagram with the process id and the datagram; "boom" throws.</summary>
sealed class PidDatagramHandler : DatagramRequestHandler
{
    protected override Task HandleAsync()
        => Text == "boom" ? throw new InvalidOperationException("boom requested") : WriteAsync($"{Environment.ProcessId} {Text}");
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
