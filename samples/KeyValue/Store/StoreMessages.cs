// The protocol between a connection's handler and "the store": plain immutable data, so any
// store actor can answer it (the in-memory one here, or one that keeps keys in a cluster), and a
// handler in another process speaks it unchanged. Keys are strings holding the key's bytes one
// per char (Latin-1), so any binary key fits and compares by value. Every command is answered
// (to its Sender) with one of the replies at the bottom; a StoreBatch with a StoreReplies.
namespace KeyValue.Store;

/// <summary>A command the store answers with one reply.</summary>
interface IStoreCommand;

/// <summary>SET's condition: always, only when the key is missing (NX), only when it exists (XX).</summary>
enum SetCondition { Always, IfMissing, IfExists }

/// <summary>EXPIRE's conditions, any of: NX (no TTL yet), XX (has one), GT (longer than the
/// current one; no TTL counts as infinite), LT (shorter).</summary>
[Flags]
enum ExpireCondition { Always = 0, IfNoTtl = 1, IfTtl = 2, IfLonger = 4, IfShorter = 8 }

/// <summary>GET: <see cref="BulkReply"/>, null when missing.</summary>
sealed record Get(string Key) : IStoreCommand;

/// <summary>MGET: <see cref="BulksReply"/>, one value (or null) per key.</summary>
sealed record MGet(string[] Keys) : IStoreCommand;

/// <summary>SET with an optional time to live in milliseconds (0: none, and any TTL the key had
/// is dropped): <see cref="OkReply"/>, or <see cref="BulkReply"/> null when the condition failed.</summary>
sealed record Set(string Key, byte[] Value, long TtlMilliseconds, SetCondition When) : IStoreCommand;

/// <summary>DEL: <see cref="IntegerReply"/>, how many existed.</summary>
sealed record Del(string[] Keys) : IStoreCommand;

/// <summary>EXISTS: <see cref="IntegerReply"/>, how many of the keys exist (a key named twice counts twice).</summary>
sealed record Exists(string[] Keys) : IStoreCommand;

/// <summary>INCR/INCRBY: <see cref="IntegerReply"/> with the new value, or <see cref="ErrorReply"/>
/// when the value is not an integer or the sum overflows.</summary>
sealed record IncrBy(string Key, long By) : IStoreCommand;

/// <summary>EXPIRE in milliseconds (zero or less deletes the key): <see cref="IntegerReply"/> 1
/// when set, 0 when the key is missing or the condition failed.</summary>
sealed record Expire(string Key, long TtlMilliseconds, ExpireCondition When) : IStoreCommand;

/// <summary>TTL (PTTL with <paramref name="InMilliseconds"/>): <see cref="IntegerReply"/>, seconds
/// (milliseconds) left, -1 without a TTL, -2 when missing.</summary>
sealed record Ttl(string Key, bool InMilliseconds = false) : IStoreCommand;

/// <summary>DBSIZE: <see cref="IntegerReply"/>, how many keys.</summary>
sealed record DbSize : IStoreCommand
{
    public static readonly DbSize Instance = new();
}

/// <summary>Several commands (one pipelined batch) run in order as one message:
/// <see cref="StoreReplies"/>, a reply per command, in the same order.</summary>
sealed record StoreBatch(IStoreCommand[] Commands);

/// <summary>A store's answer to one command.</summary>
interface IStoreReply;

/// <summary>One value, or null (a nil reply).</summary>
sealed record BulkReply(byte[]? Value) : IStoreReply
{
    public static readonly BulkReply Nil = new((byte[]?)null);
}

/// <summary>Several values, each may be null.</summary>
sealed record BulksReply(byte[]?[] Values) : IStoreReply;

/// <summary>A number.</summary>
sealed record IntegerReply(long Value) : IStoreReply
{
    public static readonly IntegerReply Zero = new(0), One = new(1);
}

/// <summary>Done.</summary>
sealed record OkReply : IStoreReply
{
    public static readonly OkReply Instance = new();
}

/// <summary>A command error, worded as redis-server words it (without the leading <c>-</c>).</summary>
sealed record ErrorReply(string Message) : IStoreReply;

/// <summary>The replies to a <see cref="StoreBatch"/>, in its order.</summary>
sealed record StoreReplies(IStoreReply[] Replies);
