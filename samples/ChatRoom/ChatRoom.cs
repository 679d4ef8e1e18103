using System.Text;
using ActorSockets.Nodes;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

/// <summary>
/// The room: one actor owning every participant's nickname. A participant is its handler: the
/// room tells it each line to write and never waits for it, so a slow or dead participant cannot
/// hold up the others. The room has no flow control of its own: a handler whose client stops
/// reading is cut off by the server's write limit, and tells the room it is gone.
/// On listener nodes of a cluster (<c>--cluster-port</c>, <c>--seed-nodes</c>) each node has its
/// room, for its own participants, and the rooms share every line through DistributedPubSub:
/// the room is cluster-wide, nicknames and /who stay the node's.
/// </summary>
sealed class ChatRoom : ReceiveActor
{
    /// <summary>The room's name under <c>/user</c> in the server's actor system.</summary>
    public const string Name = "chat-room";

    /// <summary>Longest chat line in UTF-8 bytes; longer ones are refused with a notice.</summary>
    public const int MaxTextBytes = 4000;

    private const int MaxNickLength = 24;

    /// <summary>The pub/sub topic every node's room publishes its lines to and hears the others' on.</summary>
    private const string Topic = "chat-room";

    private readonly Dictionary<IActorRef, string> _nicks = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef? _pubSub = ClusterNode.IsNode(Context.System) ? Context.System.PubSub() : null;
    private int _guests;

    public ChatRoom()
    {
        Receive<Join>(OnJoin);
        Receive<Said>(said => OnSaid(Sender, said.Line));
        Receive<Gone>(gone => Leave(Sender, gone.CutOff));
        // A handler that vanished without a word (its worker process died): its last word, if it
        // had one, may still be on the way from another process, so this goes behind it.
        Receive<Terminated>(t => Self.Tell(new Gone(CutOff: false), t.ActorRef));
        Receive<ServerStopping>(_ => CloseAll());
        // Another node's room: a line for this node's participants (a plain string, which crosses
        // nodes as it is). Our own publications come back too; they were delivered already.
        Receive<string>(line => { if (!Sender.Equals(Self)) DeliverHere(line); });
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart() => _pubSub?.Tell(new Subscribe(Topic, Self));

    private void OnJoin(Join join)
    {
        var nick = NextGuestNick();
        _nicks[Sender] = nick;
        Context.Watch(Sender);
        _log.Info("{0} joined from {1}", nick, join.ClientAddress);
        Send(Sender, $"* welcome, {nick}; {_nicks.Count} here. Commands: /nick NAME, /who, /quit");
        Broadcast($"* {nick} joined", except: Sender);
    }

    private void OnSaid(IActorRef who, string said)
    {
        if (!_nicks.TryGetValue(who, out var nick)) return; // gone meanwhile
        var line = Clean(said);
        var (command, argument) = SplitCommand(line);
        switch (command)
        {
            case null when line.Length == 0:
                break;
            case null when Encoding.UTF8.GetByteCount(line) > MaxTextBytes:
                Send(who, $"* line too long (at most {MaxTextBytes} bytes); not sent");
                break;
            case null:
                Broadcast($"<{nick}> {line}", except: who);
                break;
            case "/nick":
                Rename(who, nick, argument);
                break;
            case "/who":
                Send(who, "* here: " + string.Join(", ", _nicks.Values.Order(StringComparer.Ordinal)));
                break;
            case "/quit":
                Send(who, "* bye");
                who.Tell(Bye.Instance);
                Remove(who);
                Broadcast($"* {nick} left");
                break;
            default:
                Send(who, $"* unknown command {command}; try /nick NAME, /who, /quit");
                break;
        }
    }

    private void Rename(IActorRef who, string nick, string wanted)
    {
        if (wanted.Length is 0 or > MaxNickLength || !wanted.All(c => char.IsLetterOrDigit(c) || c is '-' or '_'))
            Send(who, $"* a nickname is 1 to {MaxNickLength} letters, digits, '-' or '_'");
        else if (_nicks.Any(q => !q.Key.Equals(who) && string.Equals(q.Value, wanted, StringComparison.OrdinalIgnoreCase)))
            Send(who, $"* {wanted} is taken");
        else if (wanted != nick)
        {
            _log.Info("{0} is now {1}", nick, wanted);
            Broadcast($"* {nick} is now {wanted}");
            _nicks[who] = wanted;
        }
    }

    /// <summary>A participant's handler stopped without /quit: its client left, or (cut off)
    /// the server closed a connection that had stopped reading.</summary>
    private void Leave(IActorRef who, bool cutOff)
    {
        if (!_nicks.TryGetValue(who, out var nick)) return;
        Remove(who);
        if (cutOff) _log.Warning("dropping {0}: not reading (the server closed the connection)", nick);
        Broadcast(cutOff ? $"* {nick} was dropped: not reading (the server closed the connection)" : $"* {nick} left");
    }

    private void Remove(IActorRef who)
    {
        _log.Info("{0} left", _nicks[who]);
        _nicks.Remove(who);
        Context.Unwatch(who);
    }

    private void Broadcast(string text, IActorRef? except = null)
    {
        DeliverHere(text, except);
        _pubSub?.Tell(new Publish(Topic, text), Self);
    }

    private void DeliverHere(string text, IActorRef? except = null)
    {
        var deliver = new Deliver(text); // one message shared by every participant
        foreach (var who in _nicks.Keys)
            if (!who.Equals(except)) who.Tell(deliver);
    }

    private static void Send(IActorRef who, string text) => who.Tell(new Deliver(text));

    private void CloseAll()
    {
        foreach (var who in _nicks.Keys.ToList())
        {
            Send(who, "* the server is shutting down; bye");
            who.Tell(Bye.Instance);
            Remove(who);
        }
    }

    private string NextGuestNick()
    {
        string nick;
        do nick = $"guest{++_guests}";
        while (_nicks.Values.Any(q => string.Equals(q, nick, StringComparison.OrdinalIgnoreCase)));
        return nick;
    }

    /// <summary>Control characters (terminal escapes) never reach another participant's screen.</summary>
    private static string Clean(string line)
    {
        var clean = new StringBuilder(line.Length);
        foreach (var c in line.TrimEnd()) clean.Append(c == '\t' ? ' ' : char.IsControl(c) ? '\uFFFD' : c);
        return clean.ToString();
    }

    private static (string? Command, string Argument) SplitCommand(string line)
    {
        if (!line.StartsWith('/')) return (null, "");
        int space = line.IndexOf(' ');
        return space < 0 ? (line, "") : (line[..space], line[(space + 1)..].Trim());
    }
}
