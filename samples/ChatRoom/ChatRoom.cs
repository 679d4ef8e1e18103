using System.Text;
using ActorSockets.Connections;
using Akka.Actor;
using Akka.Event;

/// <summary>
/// The room: one actor owning every participant's nickname and outgoing bytes. It writes to
/// each participant's connection actor directly and never waits for one, so a slow or dead
/// participant cannot hold up the others.
/// <para>Flow control, per participant: at most one batch of lines is at the connection at a
/// time. The room writes a batch, asks the connection to <see cref="Flush"/>, and keeps later
/// lines in the participant's outbox until <see cref="Flushed"/> comes back (the bytes are in
/// the kernel), then writes the whole outbox as the next batch. Batch plus outbox never exceed
/// the outbox limit: a line that would is not queued; the participant is dropped instead (its
/// connection is aborted and the others get a notice). So memory per participant is bounded
/// by the limit, and the connection's own write limit (which must be at least as large) is
/// never reached.</para>
/// </summary>
sealed class ChatRoom : ReceiveActor
{
    /// <summary>The room's name under <c>/user</c> in the server's actor system.</summary>
    public const string Name = "chat-room";

    /// <summary>Longest chat line in UTF-8 bytes; longer ones are refused with a notice.</summary>
    public const int MaxTextBytes = 4000;

    /// <summary>Smallest outbox limit: a few of the longest lines must fit.</summary>
    public const int MinOutboxLimit = 4 * (MaxTextBytes + 100);

    private const int MaxNickLength = 24;

    private sealed class Participant(IActorRef connection, string nick)
    {
        public IActorRef Connection { get; } = connection;
        public string Nick { get; set; } = nick;
        public List<byte[]> Outbox { get; } = [];
        public long OutboxBytes { get; set; }
        public long InFlight { get; set; }
    }

    private readonly Dictionary<IActorRef, Participant> _participants = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly int _outboxLimit;
    private int _guests;

    /// <summary>Props for a room that drops a participant with more than <paramref name="outboxLimit"/> bytes unsent.</summary>
    public static Props Props(int outboxLimit) => Akka.Actor.Props.Create(() => new ChatRoom(outboxLimit));

    public ChatRoom(int outboxLimit)
    {
        _outboxLimit = outboxLimit;
        Receive<Join>(OnJoin);
        Receive<Said>(OnSaid);
        Receive<Flushed>(_ => OnFlushed(Sender));
        Receive<IoFailed>(failed => Leave(Sender, $" ({failed.Message})"));
        Receive<Terminated>(t => Leave(t.ActorRef, ""));
        Receive<ServerStopping>(_ => CloseAll());
    }

    private void OnJoin(Join join)
    {
        if (!_participants.TryGetValue(join.Connection, out var p))
        {
            p = new Participant(join.Connection, NextGuestNick());
            _participants.Add(join.Connection, p);
            Context.Watch(join.Connection);
            _log.Info("{0} joined from {1}", p.Nick, join.ClientAddress);
            Send(p, $"* welcome, {p.Nick}; {_participants.Count} here. Commands: /nick NAME, /who, /quit");
            Broadcast($"* {p.Nick} joined", except: p);
        }
        Sender.Tell(new Joined(p.Nick));
    }

    private void OnSaid(Said said)
    {
        if (!_participants.TryGetValue(said.Connection, out var p))
        {
            Sender.Tell(Heard.Stop); // dropped or gone meanwhile
            return;
        }
        var line = Clean(said.Line);
        var (command, argument) = SplitCommand(line);
        switch (command)
        {
            case null when line.Length == 0:
                break;
            case null when Encoding.UTF8.GetByteCount(line) > MaxTextBytes:
                Send(p, $"* line too long (at most {MaxTextBytes} bytes); not sent");
                break;
            case null:
                Broadcast($"<{p.Nick}> {line}", except: p);
                break;
            case "/nick":
                Rename(p, argument);
                break;
            case "/who":
                Send(p, "* here: " + string.Join(", ", _participants.Values.Select(q => q.Nick).Order(StringComparer.Ordinal)));
                break;
            case "/quit":
                Send(p, "* bye");
                if (!_participants.ContainsKey(p.Connection)) break; // dropped: it was not reading
                // The bye may wait in the outbox behind a batch not yet confirmed; once removed, the
                // participant's Flushed is ignored and the outbox was lost with it. Write it now:
                // batch plus outbox fit the connection's write limit, so no Flushed is needed.
                WriteOutboxNow(p);
                Remove(p);
                Broadcast($"* {p.Nick} left");
                Sender.Tell(Heard.Stop);
                return;
            default:
                Send(p, $"* unknown command {command}; try /nick NAME, /who, /quit");
                break;
        }
        Sender.Tell(_participants.ContainsKey(said.Connection) ? Heard.Continue : Heard.Stop);
    }

    private void Rename(Participant p, string nick)
    {
        if (nick.Length is 0 or > MaxNickLength || !nick.All(c => char.IsLetterOrDigit(c) || c is '-' or '_'))
            Send(p, $"* a nickname is 1 to {MaxNickLength} letters, digits, '-' or '_'");
        else if (_participants.Values.Any(q => q != p && string.Equals(q.Nick, nick, StringComparison.OrdinalIgnoreCase)))
            Send(p, $"* {nick} is taken");
        else if (nick != p.Nick)
        {
            _log.Info("{0} is now {1}", p.Nick, nick);
            Broadcast($"* {p.Nick} is now {nick}");
            p.Nick = nick;
        }
    }

    /// <summary>A connection ended (closed, failed, or its client vanished) without /quit.</summary>
    private void Leave(IActorRef connection, string why)
    {
        if (!_participants.TryGetValue(connection, out var p)) return;
        Remove(p);
        Broadcast($"* {p.Nick} left{why}");
    }

    private void Remove(Participant p)
    {
        _participants.Remove(p.Connection);
        Context.Unwatch(p.Connection);
        _log.Info("{0} left", p.Nick);
    }

    private void Broadcast(string text, Participant? except = null)
    {
        var data = Encoding.UTF8.GetBytes(text + "\n"); // one copy shared by every outbox
        var overflowed = _participants.Values.Where(p => p != except && !Deliver(p, data)).ToList();
        foreach (var p in overflowed) Drop(p);
    }

    private void Send(Participant p, string text)
    {
        if (!Deliver(p, Encoding.UTF8.GetBytes(text + "\n"))) Drop(p);
    }

    /// <summary>Queues <paramref name="data"/> for <paramref name="p"/>; false when that would pass the limit.</summary>
    private bool Deliver(Participant p, byte[] data)
    {
        if (p.InFlight + p.OutboxBytes + data.Length > _outboxLimit) return false;
        if (p.InFlight == 0) WriteBatch(p, data);
        else
        {
            p.Outbox.Add(data);
            p.OutboxBytes += data.Length;
        }
        return true;
    }

    private void OnFlushed(IActorRef connection)
    {
        if (!_participants.TryGetValue(connection, out var p)) return;
        p.InFlight = 0;
        if (p.Outbox.Count == 0) return;
        var batch = p.Outbox.Count == 1 ? p.Outbox[0] : p.Outbox.SelectMany(b => b).ToArray();
        p.Outbox.Clear();
        p.OutboxBytes = 0;
        WriteBatch(p, batch);
    }

    /// <summary>Hands the whole outbox to the connection without waiting for the batch in flight:
    /// for a participant about to leave, whose Flushed will not be waited for.</summary>
    private void WriteOutboxNow(Participant p)
    {
        if (p.Outbox.Count == 0) return;
        var rest = p.Outbox.Count == 1 ? p.Outbox[0] : p.Outbox.SelectMany(b => b).ToArray();
        p.Outbox.Clear();
        p.OutboxBytes = 0;
        p.InFlight += rest.Length;
        p.Connection.Tell(new Write(rest), Self);
    }

    private void WriteBatch(Participant p, byte[] batch)
    {
        p.Connection.Tell(new Write(batch), Self);
        p.Connection.Tell(Flush.Instance, Self); // answered (Flushed) once the batch is in the kernel
        p.InFlight = batch.Length;
    }

    private void Drop(Participant p)
    {
        if (!_participants.ContainsKey(p.Connection)) return; // dropped already by an earlier notice
        Remove(p);
        var why = $"not reading ({p.InFlight + p.OutboxBytes} bytes waiting)";
        _log.Warning("dropping {0}: {1}", p.Nick, why);
        p.Connection.Tell(new Abort($"chat participant {p.Nick} is {why}"), Self);
        Broadcast($"* {p.Nick} was dropped: {why}");
    }

    private void CloseAll()
    {
        var goodbye = Encoding.UTF8.GetBytes("* the server is shutting down; bye\n");
        foreach (var p in _participants.Values.ToList())
        {
            Remove(p);
            p.Connection.Tell(new Write(goodbye), Self); // sent at once unless a batch is stuck on a non-reader
            p.Connection.Tell(new Abort("the server is shutting down"), Self);
        }
    }

    private string NextGuestNick()
    {
        string nick;
        do nick = $"guest{++_guests}";
        while (_participants.Values.Any(q => string.Equals(q.Nick, nick, StringComparison.OrdinalIgnoreCase)));
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
