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
        var answer = await ReadAnswerAsync(_lastLent, cancellationToken);
        if (answer is not LentRead lent) return ((ReadResult)answer).Data;
        _lent = lent.Buffer;
        return lent.Buffer.AsMemory(lent.Offset, lent.Count);
    }

    /// <summary>Asks the connection for <paramref name="request"/> and returns its answer, after
    /// giving back what the previous read lent. A token that fires while the read waits tells the
    /// connection, which answers the read as cancelled unless bytes already answered it (then
    /// they are returned: nothing received is lost).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private protected async ValueTask<object> ReadAnswerAsync(object request, CancellationToken cancellationToken)
    {
        ReturnLent();
        if (!cancellationToken.CanBeCanceled) return IoErrors.ThrowIfFailed(await AskConnectionUncheckedAsync(request));
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
            return IoErrors.ThrowIfFailed(answer);
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
