
namespace ActorSockets.Handlers;

// Frame reads: the connection cuts the frame out of what it has received, so the bytes after a
// frame stay there for the next read of any kind, and a frame over its limit is refused before
// it is buffered.
public abstract partial class StreamRequestHandler
{
    /// <summary>Reads one frame of <paramref name="format"/> (a length prefix, a fixed header, a
    /// begin/end mark or a terminator: see <see cref="FrameFormat"/>) and returns its payload;
    /// null at end of stream between frames. Throws <see cref="LineTooLongException"/> past the
    /// format's <see cref="FrameFormat.MaxFrameSize"/> (counted like a line too long),
    /// <see cref="InvalidDataException"/> when the bytes are not such a frame or the stream ends
    /// inside one, and <see cref="ConnectionLostException"/> on a reset.</summary>
    protected async Task<byte[]?> ReadFrameAsync(FrameFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(format);
        var answer = IoErrors.ThrowIfFailed(await ReadAnswerUncheckedAsync(new ReadFrame(format), cancellationToken));
        return answer is FrameResult frame ? frame.Payload : null;
    }
}
