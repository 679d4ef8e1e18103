using System.Buffers;
using System.Runtime.CompilerServices;
using Akka.Actor;

namespace ActorSockets.Handlers;

// Reads that lend the received bytes instead of copying them into a new array, and the one path
// every read's answer takes: cancellation, and giving back what the previous read lent.
public abstract partial class StreamRequestHandler
{
    private static readonly ReadLent DefaultLent = new(4096);
    private ReadLent _lastLent = DefaultLent;
    private byte[]? _lent;

    /// <summary>Reads whatever has arrived, at most <paramref name="maxBytes"/>, like
    /// <see cref="ReceiveAsync(int, CancellationToken)"/>, but without a new array: the bytes are
    /// lent from the connection's pooled buffer and stay valid until this handler's next read (of
    /// any kind) or the end of the request, whichever comes first; copy what must outlive that.
    /// Empty at end of stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected async ValueTask<ReadOnlyMemory<byte>> ReceiveMemoryAsync(int maxBytes = 4096, CancellationToken cancellationToken = default)
    {
        maxBytes = Math.Min(maxBytes, ConnectionContract.MaxChunk);
        if (_lastLent.MaxBytes != maxBytes) _lastLent = new ReadLent(maxBytes); // messages are immutable: reuse
        var answer = IoErrors.ThrowIfFailed(await ReadAnswerUncheckedAsync(_lastLent, cancellationToken));
        if (answer is not LentRead lent) return ((ReadResult)answer).Data;
        _lent = lent.Buffer;
        return lent.Buffer.AsMemory(lent.Offset, lent.Count);
    }

    /// <summary>Asks the connection for <paramref name="request"/> and returns its answer, after
    /// giving back what the previous read lent; the caller checks it for an <see cref="IoFailed"/>.
    /// Without a token the connection's own awaitable is returned, not wrapped in an async step:
    /// an idle connection's handler waits in its read, and each async step between the handler's
    /// code and the answer is a state-machine box it keeps alive (168 B per connection for this
    /// one, in a heap dump of 10,000 idle connections).</summary>
    private protected ValueTask<object> ReadAnswerUncheckedAsync(object request, CancellationToken cancellationToken)
    {
        ReturnLent();
        return cancellationToken.CanBeCanceled ? ReadCancellableAsync(request, cancellationToken) : AskConnectionUncheckedAsync(request);
    }

    /// <summary>A read that <paramref name="cancellationToken"/> may cancel. A token that fires while
    /// the read waits tells the connection, which answers the read as cancelled unless bytes already
    /// answered it (then they are returned: nothing received is lost).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<object> ReadCancellableAsync(object request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Disposing the registration waits for a callback under way, so a CancelRead is always
        // queued before this handler's next read and cannot cancel that one.
        using (cancellationToken.Register(static state =>
               {
                   var (connection, self) = ((IActorRef, IActorRef))state!;
                   connection.Tell(CancelRead.Instance, self);
               }, (Connection, Self)))
        {
            var answer = await AskConnectionUncheckedAsync(request);
            if (ReferenceEquals(answer, CancelRead.Answer)) throw new OperationCanceledException(cancellationToken);
            return answer;
        }
    }

    private void ReturnLent()
    {
        if (_lent is null) return;
        ConnectionContract.Pool.Return(_lent);
        _lent = null;
    }

    /// <summary>The request is over (or the handler stopped): what a read lent goes back.</summary>
    private protected override void OnRequestOver() => ReturnLent();
}
