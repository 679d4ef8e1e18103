using System.Text;
using KeyValue.Store;

namespace KeyValue.Resp;

/// <summary>A reply the handler gives itself, without the store: a status line (<c>+PONG</c>).</summary>
sealed record StatusReply(string Text) : IStoreReply
{
    public static readonly StatusReply Pong = new("PONG"), Ok = new("OK");
}

/// <summary>QUIT: <c>+OK</c>, then the connection closes after every earlier reply.</summary>
sealed record QuitReply : IStoreReply
{
    public static readonly QuitReply Instance = new();
}

/// <summary>
/// The commands this server knows: each request's arguments become either a store command (for
/// the store actor to answer) or a reply given at once (PING, ECHO, COMMAND, QUIT, and every
/// error redis-server gives before running a command: unknown command, wrong arity, syntax),
/// worded as redis-server 7 words them.
/// </summary>
static class RespCommands
{
    private static readonly ErrorReply NotInteger = new("ERR value is not an integer or out of range");
    private static readonly ErrorReply Syntax = new("ERR syntax error");

    private delegate object Parser(IReadOnlyList<ReadOnlyMemory<byte>> args);

    // Arity as in redis-server's command table: N exactly N arguments (the name counts), -N at least N.
    private static readonly (byte[] Name, int Arity, Parser Parse)[] Table =
    [
        ("GET"u8.ToArray(), 2, a => new Get(Key(a[1]))),
        ("SET"u8.ToArray(), -3, ParseSet),
        ("PING"u8.ToArray(), -1, a => a.Count switch { 1 => StatusReply.Pong, 2 => new BulkReply(a[1].ToArray()), _ => Arity("ping") }),
        ("ECHO"u8.ToArray(), 2, a => new BulkReply(a[1].ToArray())),
        ("DEL"u8.ToArray(), -2, a => new Del(Keys(a))),
        ("EXISTS"u8.ToArray(), -2, a => new Exists(Keys(a))),
        ("INCR"u8.ToArray(), 2, a => new IncrBy(Key(a[1]), 1)),
        ("INCRBY"u8.ToArray(), 3, a => RespNumbers.TryParse(a[2].Span, out long by) ? new IncrBy(Key(a[1]), by) : NotInteger),
        ("DECR"u8.ToArray(), 2, a => new IncrBy(Key(a[1]), -1)),
        ("DECRBY"u8.ToArray(), 3, a => !RespNumbers.TryParse(a[2].Span, out long by) ? NotInteger
            : by == long.MinValue ? new ErrorReply("ERR decrement would overflow") : new IncrBy(Key(a[1]), -by)),
        ("SETEX"u8.ToArray(), 4, a => ParseSetWithTtl(a, "setex", seconds: true)),
        ("PSETEX"u8.ToArray(), 4, a => ParseSetWithTtl(a, "psetex", seconds: false)),
        ("MGET"u8.ToArray(), -2, a => new MGet(Keys(a))),
        ("EXPIRE"u8.ToArray(), -3, ParseExpire),
        ("TTL"u8.ToArray(), 2, a => new Ttl(Key(a[1]))),
        ("PTTL"u8.ToArray(), 2, a => new Ttl(Key(a[1]), InMilliseconds: true)),
        ("DBSIZE"u8.ToArray(), 1, _ => DbSize.Instance),
        ("QUIT"u8.ToArray(), -1, _ => QuitReply.Instance),
        // Enough for redis-cli, which asks COMMAND DOCS for its hints and does without them.
        ("COMMAND"u8.ToArray(), -1, ParseCommand),
    ];

    /// <summary>The store command for <paramref name="args"/> (<see cref="IStoreCommand"/>), or the reply
    /// to give at once (<see cref="IStoreReply"/>). <paramref name="args"/> holds at least the name.</summary>
    public static object Parse(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        var name = args[0].Span;
        foreach (var (known, arity, parse) in Table)
        {
            if (!Ascii.EqualsIgnoreCase(name, known)) continue;
            if (arity > 0 ? args.Count != arity : args.Count < -arity) return Arity(Encoding.ASCII.GetString(known).ToLowerInvariant());
            return parse(args);
        }
        return UnknownCommand(args);
    }

    /// <summary>redis-server's reply to an unknown command: the name and the first arguments, each
    /// quoted and followed by a space, cut at 128 characters.</summary>
    private static ErrorReply UnknownCommand(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        var shown = new StringBuilder();
        for (int i = 1; i < args.Count && shown.Length < 128; i++)
        {
            var arg = Key(args[i][..Math.Min(args[i].Length, 128 - shown.Length)]);
            shown.Append('\'').Append(arg).Append("' ");
        }
        var name = Key(args[0][..Math.Min(args[0].Length, 128)]);
        return new ErrorReply($"ERR unknown command '{name}', with args beginning with: {shown}");
    }

    private static object ParseCommand(IReadOnlyList<ReadOnlyMemory<byte>> args)
        => args.Count == 2 && Ascii.EqualsIgnoreCase(args[1].Span, "COUNT"u8) ? new IntegerReply(Table.Length) : new BulksReply([]);

    private static ErrorReply Arity(string name) => new($"ERR wrong number of arguments for '{name}' command");

    private static object ParseSet(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        long ttl = 0;
        var when = SetCondition.Always;
        for (int i = 3; i < args.Count; i++)
        {
            var option = args[i].Span;
            bool isEx = Ascii.EqualsIgnoreCase(option, "EX"u8), isPx = Ascii.EqualsIgnoreCase(option, "PX"u8);
            if (Ascii.EqualsIgnoreCase(option, "NX"u8) && when != SetCondition.IfExists) when = SetCondition.IfMissing;
            else if (Ascii.EqualsIgnoreCase(option, "XX"u8) && when != SetCondition.IfMissing) when = SetCondition.IfExists;
            else if ((isEx || isPx) && ttl == 0 && i + 1 < args.Count)
            {
                if (!RespNumbers.TryParse(args[++i].Span, out long amount)) return NotInteger;
                if (!TryTtl(amount, isEx, out ttl)) return new ErrorReply("ERR invalid expire time in 'set' command");
            }
            else return Syntax;
        }
        return new Set(Key(args[1]), args[2].ToArray(), ttl, when);
    }

    /// <summary>SETEX and PSETEX: key, time to live, value.</summary>
    private static object ParseSetWithTtl(IReadOnlyList<ReadOnlyMemory<byte>> args, string name, bool seconds)
    {
        if (!RespNumbers.TryParse(args[2].Span, out long amount)) return NotInteger;
        if (!TryTtl(amount, seconds, out long ttl)) return new ErrorReply($"ERR invalid expire time in '{name}' command");
        return new Set(Key(args[1]), args[3].ToArray(), ttl, SetCondition.Always);
    }

    /// <summary>A positive TTL that, added to now in milliseconds, does not overflow.</summary>
    private static bool TryTtl(long amount, bool seconds, out long milliseconds)
    {
        milliseconds = 0;
        if (amount <= 0 || (seconds && amount > long.MaxValue / 1000)) return false;
        milliseconds = seconds ? amount * 1000 : amount;
        return milliseconds <= long.MaxValue - NowMs();
    }

    private static object ParseExpire(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        var when = ExpireCondition.Always;
        for (int i = 3; i < args.Count; i++)
        {
            var option = args[i].Span;
            if (Ascii.EqualsIgnoreCase(option, "NX"u8)) when |= ExpireCondition.IfNoTtl;
            else if (Ascii.EqualsIgnoreCase(option, "XX"u8)) when |= ExpireCondition.IfTtl;
            else if (Ascii.EqualsIgnoreCase(option, "GT"u8)) when |= ExpireCondition.IfLonger;
            else if (Ascii.EqualsIgnoreCase(option, "LT"u8)) when |= ExpireCondition.IfShorter;
            else return new ErrorReply($"ERR Unsupported option {Key(args[i])}");
        }
        if (when.HasFlag(ExpireCondition.IfNoTtl) && when != ExpireCondition.IfNoTtl)
            return new ErrorReply("ERR NX and XX, GT or LT options at the same time are not compatible");
        if (when.HasFlag(ExpireCondition.IfLonger | ExpireCondition.IfShorter))
            return new ErrorReply("ERR GT and LT options at the same time are not compatible");
        if (!RespNumbers.TryParse(args[2].Span, out long seconds)) return NotInteger;
        if (seconds > long.MaxValue / 1000 || seconds < long.MinValue / 1000 || (seconds > 0 && seconds * 1000 > long.MaxValue - NowMs()))
            return new ErrorReply("ERR invalid expire time in 'expire' command");
        return new Expire(Key(args[1]), seconds * 1000, when);
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>A key (or any argument shown in text) as a string holding its bytes one per char.</summary>
    public static string Key(ReadOnlyMemory<byte> bytes) => Encoding.Latin1.GetString(bytes.Span);

    private static string[] Keys(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        var keys = new string[args.Count - 1];
        for (int i = 1; i < args.Count; i++) keys[i - 1] = Key(args[i]);
        return keys;
    }
}
