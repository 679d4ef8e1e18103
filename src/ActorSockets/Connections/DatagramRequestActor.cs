using System.Buffers;
using System.Net;
using System.Net.Sockets;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Connections;

/// <summary>
/// Serves one datagram for the life of one request (socketserver's <c>DatagramRequestHandler</c>
/// plumbing). It answers the handler's <see cref="ReadAvailable"/> with the datagram (at most
/// <c>MaxBytes</c> of it, from the start each time), gathers the handler's
/// <see cref="Write"/>s and, when the handler is done (or failed, as socketserver's
/// <c>finish()</c> still sends), sends them to the client as ONE datagram through the
/// listener's socket. A <see cref="Flush"/> sends what was written so far at once, for handlers
/// that answer more than once. A handler that wrote nothing sends nothing (socketserver would
/// send an empty datagram; write zero bytes to get one). The handler never sees the socket and
/// every message it exchanges is plain data, so it may run in a worker process (forking mode).
/// </summary>
internal sealed class DatagramRequestActor : RequestActor
{
    private sealed record Sent(IActorRef ReplyTo, Exception? Error);

    // Unix datagram sends block while the client's queue is full; a client that never reads
    // must not hold the request (and in sync mode the server) forever.
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly byte[] _data;
    private readonly EndPoint _client;
    private readonly ArrayBufferWriter<byte> _reply = new();
    private bool _replyWritten;
    private int _sending;
    private bool _done;

    public DatagramRequestActor(Socket socket, byte[] data, EndPoint client, RequestInfo info, RequestSettings settings)
        : base(info, settings)
    {
        _socket = socket;
        _data = data;
        _client = client;
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReadAvailable read:
                Sender.Tell(new ReadResult(read.MaxBytes >= _data.Length ? _data : _data[..Math.Max(0, read.MaxBytes)]));
                break;
            case ReadLine or ReadExactly:
                Sender.Tell(new IoFailed(IoFailure.Misuse, "a datagram request answers ReadAvailable only: the datagram is not a stream"));
                break;
            case Write write when !_done:
                Append(write.Data);
                break;
            case TakeReadAhead: // forking mode: the datagram travels with the request
                Sender.Tell(new ReadAhead(_data, Ended: true, IsDatagram: true));
                break;
            case Exchange exchange when !_done: // forking mode: a worker's writes, then what follows them
                if (exchange.Writes.Length > 0 && !Append(exchange.Writes)) break; // an empty write comes as a Write
                if (exchange.Then == ExchangeThen.Flush) SendReply(Sender);
                else if (exchange.Then == ExchangeThen.Done) Complete();
                break;
            case Flush:
                SendReply(Sender);
                break;
            case Sent sent:
                _sending--;
                if (sent.Error is { } error)
                {
                    Log.Warning("Reply of {0} to {1} not sent: {2}", Info.HandlerName, Info.ClientAddress, error.Message);
                    sent.ReplyTo.Tell(new IoFailed(IoFailure.ConnectionLost, $"reply not sent: {error.Message}"));
                }
                else sent.ReplyTo.Tell(Flushed.Instance);
                if (_done && _sending == 0) Context.Stop(Self);
                break;
            case HandlerDone:
                Complete();
                break;
            case Terminated t when t.ActorRef.Equals(Handler):
                if (!HandlerFailed && !_done)
                    Log.Debug("Handler {0} for {1} stopped before finishing", Info.HandlerName, Info.ClientAddress);
                Complete();
                break;
            case Write:
                break; // after the reply went out: nothing to add it to
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Adds to the reply; false (and the request given up on) past the write limit.</summary>
    private bool Append(byte[] data)
    {
        if (_reply.WrittenCount + data.Length > Settings.Options.WriteBufferLimit)
        {
            Abandon(ServerEvent.WriteLimit, $"handler wrote more than {Settings.Options.WriteBufferLimit} bytes for one reply; dropping it");
            return false;
        }
        _reply.Write(data);
        _replyWritten = true;
        return true;
    }

    /// <summary>The request is over: send what the handler wrote, then stop once it is sent.</summary>
    private void Complete()
    {
        if (_done) return;
        _done = true;
        if (_replyWritten) SendReply(ActorRefs.Nobody);
        if (_sending == 0) Context.Stop(Self);
    }

    protected override void StopRequest()
    {
        Context.Stop(Handler);
        _reply.Clear();
        _replyWritten = false;
        Complete();
    }

    /// <summary>Sends everything written since the last send as one datagram; answers
    /// <paramref name="replyTo"/> with <see cref="Flushed"/> once the kernel has it.</summary>
    private void SendReply(IActorRef replyTo)
    {
        var datagram = _reply.WrittenSpan.ToArray();
        bool any = _replyWritten;
        _reply.Clear();
        _replyWritten = false;
        if (!any || CannotReply())
        {
            replyTo.Tell(Flushed.Instance);
            return;
        }
        _sending++;
        // Only a Unix datagram send can block (on a full client queue); a UDP send never does,
        // so it needs no timer (one per reply was a measurable cost).
        var timeout = _client is UnixDomainSocketEndPoint ? new CancellationTokenSource(SendTimeout) : null;
        _socket.SendToAsync(datagram, SocketFlags.None, _client, timeout?.Token ?? CancellationToken.None).AsTask().ContinueWith(
            (t, state) =>
            {
                timeout?.Dispose();
                var error = t.IsCanceled ? new TimeoutException($"the client took no datagram within {SendTimeout}")
                    : t.Exception?.GetBaseException();
                ((IActorRef)state!).Tell(new Sent(replyTo, error), ActorRefs.NoSender);
            },
            Self, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>A Unix datagram client that bound no path has no address to answer to
    /// (socketserver's UnixDatagramServer cannot answer it either).</summary>
    private bool CannotReply()
    {
        if (_client is not UnixDomainSocketEndPoint || Info.ClientAddress.Length > 0) return false;
        Log.Debug("Reply of {0} dropped: the Unix datagram client bound no path to answer to", Info.HandlerName);
        return true;
    }
}
