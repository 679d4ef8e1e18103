using System.Buffers;
using ActorSockets.Handlers;
using Akka.Actor;
using KeyValue.Resp;
using KeyValue.Store;

namespace KeyValue;

/// <summary>
/// One client's connection: reads RESP requests, has the store run them, writes the replies.
/// Everything one read brought (a pipelined batch) is parsed at once, its store commands go to
/// the store as one message, and all its replies leave in one write, in request order.
/// </summary>
sealed class KeyValueHandler : StreamRequestHandler
{
    /// <summary>How long a batch waits for the store before its commands fail with an error.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(10);

    private readonly RespParser _parser = new();
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly List<object> _slots = []; // per request: an IStoreCommand (the store answers) or its IStoreReply
    private readonly List<IStoreCommand> _commands = [];
    private IActorRef _store = ActorRefs.Nobody;

    /// <summary>Finds the store once per connection (in the listener's actor system, wherever this handler runs).</summary>
    protected override async Task SetupAsync() => _store = await StoreLocator.ResolveAsync(Context, Request.Server, StoreTimeout);

    protected override async Task HandleAsync()
    {
        while (true)
        {
            var received = await ReceiveMemoryAsync(64 * 1024);
            if (received.IsEmpty) return;
            _parser.Append(received.Span);
            bool close = ParseBatch();
            if (_slots.Count > 0) await AnswerAsync();
            if (close) return;
        }
    }

    /// <summary>Turns every whole request received into a slot; true when the connection is to
    /// close after these replies (QUIT, or a protocol error, answered with its error).</summary>
    private bool ParseBatch()
    {
        while (true)
        {
            switch (_parser.TryRead())
            {
                case RespRead.Incomplete:
                    return false;
                case RespRead.ProtocolError:
                    _slots.Add(new ErrorReply(_parser.Error));
                    return true;
            }
            var parsed = RespCommands.Parse(_parser.Arguments);
            _slots.Add(parsed);
            if (parsed is IStoreCommand command) _commands.Add(command);
            if (parsed is QuitReply) return true;
        }
    }

    private async Task AnswerAsync()
    {
        var replies = await RunInStoreAsync();
        int next = 0;
        foreach (var slot in _slots)
            RespWriter.Write(_output, slot is IStoreCommand ? replies[next++] : (IStoreReply)slot);
        _slots.Clear();
        _commands.Clear();
        await WriteAsync(_output.WrittenMemory); // copied before it returns: the buffer is free again
        _output.ResetWrittenCount();
    }

    /// <summary>The store's replies to this batch's commands, in order: one message for the whole batch.</summary>
    private async Task<IStoreReply[]> RunInStoreAsync()
    {
        try
        {
            return _commands.Count switch
            {
                0 => [],
                1 => [await _store.Ask<IStoreReply>(_commands[0], StoreTimeout)],
                _ => (await _store.Ask<StoreReplies>(new StoreBatch([.. _commands]), StoreTimeout)).Replies,
            };
        }
        catch (AskTimeoutException)
        {
            var timeout = new ErrorReply($"ERR the store did not answer within {StoreTimeout.TotalSeconds:0} s");
            return [.. _commands.Select(_ => timeout)];
        }
    }
}
