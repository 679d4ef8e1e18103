using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;

// What a handler can do as an actor, driven line by line by its client (also linked into the
// test project, for the same checks in the test's own process). Every answer is one line.
//   ping MS      a timer writes "ping" every MS milliseconds, while the handler waits for input
//   lock         Become a state that stashes Say messages; unlock: unstash them and Become back
//   say TEXT     the handler Tells itself Say(TEXT), which writes TEXT (stashed while locked)
//   crash TEXT   its child throws TEXT; the handler's own SupervisorStrategy writes
//                "supervised TEXT" and restarts it; "child" asks the child: "child pong, N restarts"
//   watch        starts an actor, watches it, stops it: Terminated writes "terminated"
//   publish TEXT publishes Announcement(TEXT) on the event stream, which the handler subscribed
//                to: it writes "announced TEXT"
//   big N        writes N x's and a newline while a Say("after") it told itself arrives: "after"
//                comes after the whole line, though the long write waits for its flushes
//   where        "<pid> <kind of connection actor>" (forking: "handoff" or "request")
// Any other actor can Tell it a Say too; a Say writes at once even while the handler waits.

/// <summary>A message the handler writes to its client.</summary>
public sealed record Say(string Text);

/// <summary>What the handler publishes on, and hears from, the event stream.</summary>
public sealed record Announcement(string Text);

public sealed class ActorFeaturesHandler : StreamRequestHandler, IWithTimers, IWithUnboundedStash
{
    private sealed record Tick;

    private IActorRef _child = ActorRefs.Nobody;
    private int _restarts;

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public ActorFeaturesHandler()
    {
        Open();
        Receive<Tick>(_ => Write("ping\n"));
        Receive<Terminated>(_ => Write("terminated\n"));
        Receive<Announcement>(a => Write($"announced {a.Text}\n"));
    }

    /// <summary>The usual state: a Say is written at once.</summary>
    private void Open() => Receive<Say>(say => Write(say.Text + "\n"));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(error =>
    {
        Write($"supervised {error.Message}\n");
        _restarts++;
        return Directive.Restart;
    });

    protected override async Task HandleAsync()
    {
        _child = Context.ActorOf(Props.Create<FlakyChild>(), "child");
        Context.System.EventStream.Subscribe(Self, typeof(Announcement));
        while (await ReadLineAsync() is { } line)
        {
            var (command, argument) = line.IndexOf(' ') is var space and > 0 ? (line[..space], line[(space + 1)..]) : (line, "");
            switch (command)
            {
                case "ping":
                    Timers.StartPeriodicTimer("ping", new Tick(), TimeSpan.FromMilliseconds(int.Parse(argument)));
                    break;
                case "lock":
                    // Become, not Context.Become: the handler's own messages change, its lifecycle stays.
                    BecomeStacked(() => Receive<Say>(_ => Stash.Stash()));
                    await WriteAsync("locked\n");
                    break;
                case "unlock":
                    UnbecomeStacked();
                    Stash.UnstashAll();
                    await WriteAsync("unlocked\n");
                    break;
                case "say":
                    Self.Tell(new Say(argument));
                    break;
                case "crash":
                    _child.Tell(new FlakyChild.Fail(argument));
                    break;
                case "child":
                    var answer = await _child.Ask<string>("ping", TimeSpan.FromSeconds(10));
                    await WriteAsync($"child {answer}, {_restarts} restarts\n");
                    break;
                case "watch":
                    var victim = Context.ActorOf(Props.Create<FlakyChild>());
                    Context.Watch(victim);
                    Context.Stop(victim);
                    break;
                case "publish":
                    Context.System.EventStream.Publish(new Announcement(argument));
                    break;
                case "big":
                    Self.Tell(new Say("after")); // handled while the write below waits for its first flush
                    await WriteAsync(new string('x', int.Parse(argument)) + "\n");
                    break;
                case "where":
                    await WriteAsync($"{Environment.ProcessId} {Connection.Path.Name.Split('-')[0]}\n");
                    break;
                default:
                    await WriteAsync($"unknown {command}\n");
                    break;
            }
        }
    }

    protected override void OnStopped() => Context.System.EventStream.Unsubscribe(Self);

    /// <summary>Throws when told to; answers "pong" to "ping".</summary>
    private sealed class FlakyChild : ReceiveActor
    {
        public sealed record Fail(string Why);

        public FlakyChild()
        {
            Receive<Fail>(fail => throw new InvalidOperationException(fail.Why));
            Receive<string>(_ => Sender.Tell("pong"));
        }
    }
}
