using System.Buffers;
using System.Net;
using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Servers;

/// <summary>
/// The connection of one datagram request as its handler sees it (socketserver's
/// <c>DatagramRequestHandler</c> plumbing): gathers the handler's <see cref="Write"/>s and, when
/// the handler is done (or failed, as socketserver's <c>finish()</c> still sends), sends them to
/// the client as ONE datagram through the listener's socket. A <see cref="Flush"/> sends what was
/// written so far at once, for handlers that answer more than once. A handler that wrote nothing
/// sends nothing (write zero bytes to get an empty datagram).
/// <para>
/// Not an actor but an actor reference that does its work as the message is told
/// (<see cref="ActorlessRef"/>): a datagram's whole conversation is a few writes and one send,
/// which needs no mailbox of its own. The send is a non-blocking <c>sendto</c>
/// straight from the handler's thread; only a full socket buffer falls back to an asynchronous
/// send. A handler in a worker process (forking mode) reaches it through its stand-in here,
/// which relays the same messages.
/// </para>
/// </summary>
internal sealed class DatagramReply : ActorlessRef, IQueuedRequest
{
    // Unix datagram sends wait while the client's queue is full; a client that never reads
    // must not hold a reply forever.
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly EndPoint _client;
    private readonly SocketAddress _address;
    private readonly ServerContext _settings;
    private readonly IActorRef _listener;
    private readonly ILoggingAdapter _log;
    private readonly Lock _lock = new();
    private byte[]? _written;               // the only write so far, kept without a copy
    private ArrayBufferWriter<byte>? _more; // several writes, gathered
    private bool _done;
    private bool _started;

    public DatagramReply(Socket socket, EndPoint client, SocketAddress address, RequestInfo info, ServerContext settings, IActorRef listener,
        ILoggingAdapter log, IActorRefProvider provider) : base(provider.TempPath(), provider)
    {
        _socket = socket;
        _client = client;
        _address = address;
        Info = info;
        _settings = settings;
        _listener = listener;
        _log = log;
    }

    /// <summary>Who the request is for.</summary>
    public RequestInfo Info { get; }

    /// <summary>The handler the listener started (a proxy in forking mode); set before it gets Setup.</summary>
    public IActorRef Handler { get; set; } = ActorRefs.Nobody;

    /// <summary>Served by a handler the listener keeps for many requests (<see cref="ReusableHandlerAttribute"/>):
    /// the request is this reply, not the handler, and it ends when the handler says it is done.</summary>
    public bool Pooled { get; init; }

    /// <summary>How the listener knows this request: the handler, or this reply when <see cref="Pooled"/>.</summary>
    public IActorRef Request => Pooled ? this : Handler;

    /// <summary>The listener's bookkeeping of a pooled request: the handler slot it was queued to,
    /// its Setup (sent again to a replacement if its handler stops first), and whether the listener
    /// has ended it. Touched by the listener only.</summary>
    public int Slot { get; set; } = -1;

    /// <inheritdoc cref="Slot"/>
    public Setup? Setup { get; set; }

    /// <inheritdoc cref="Slot"/>
    public bool Ended { get; set; }

    /// <summary>The request's bookkeeping (<see cref="RequestScope"/>): its deadline, giving it up,
    /// its handler's failure and its end. Driven by the listener only.</summary>
    public RequestScope Scope;

    /// <summary>A kept handler has taken this request up (its Setup arrived).</summary>
    public bool Started => Volatile.Read(ref _started);

    /// <summary>Set by a kept handler when this request's Setup reaches it.</summary>
    public void TakenUp() => Volatile.Write(ref _started, true);

    /// <summary>Whether the reply is over (sent, given up on, or its handler gone).</summary>
    public bool Done
    {
        get
        {
            lock (_lock) return _done;
        }
    }

    /// <summary>Stopping a pooled request (the server closing without waiting, or its drain
    /// deadline) ends it as stopping its handler would: the listener sends what it wrote.</summary>
    public override void Stop()
    {
        if (Pooled) _listener.Tell(new DatagramListenerActor.StopRequest(this), ActorRefs.Nobody);
    }

    protected override void TellInternal(object message, IActorRef sender)
    {
        switch (message)
        {
            case Write write:
                Append(write.Data);
                break;
            case Flush:
                SendWritten(sender);
                break;
            case HandlerDone:
                // The handler stops itself now, or, kept for more requests, goes on to the next.
                if (Complete(send: true) && Pooled)
                    _listener.Tell(new DatagramListenerActor.RequestEnded(this), ActorRefs.Nobody);
                break;
            case ReadAvailable or ReadLine or ReadExactly or ReadFrame or ReadLent:
                sender.Tell(IoRefusals.NoStream, this);
                break;
        }
    }

    /// <summary>Ends the reply: sends what was written unless <paramref name="send"/> is false (the
    /// request was given up on). Later writes are dropped. Idempotent: returns whether this call
    /// ended it.</summary>
    public bool Complete(bool send)
    {
        lock (_lock)
        {
            if (_done) return false;
            if (send) SendWritten(ActorRefs.Nobody);
            _done = true;
            _written = null;
            _more = null;
            return true;
        }
    }

    private void Append(byte[] data)
    {
        lock (_lock)
        {
            if (_done) return; // after the reply went out: nothing to add it to
            int total = (_more?.WrittenCount ?? _written?.Length ?? 0) + data.Length;
            if (total > _settings.Options.WriteBufferLimit)
            {
                _done = true;
                _written = null;
                _more = null;
                _listener.Tell(new DatagramListenerActor.GiveUp(Request, ServerEvent.WriteLimit,
                    $"handler wrote more than {_settings.Options.WriteBufferLimit} bytes for one reply; dropping it"), ActorRefs.Nobody);
                return;
            }
            if (_written is null && _more is null)
            {
                _written = data;
                return;
            }
            if (_more is null)
            {
                _more = new ArrayBufferWriter<byte>(Math.Max(256, total));
                _more.Write(_written);
                _written = null;
            }
            _more.Write(data);
        }
    }

    /// <summary>Sends everything written since the last send as one datagram; answers
    /// <paramref name="replyTo"/> with <see cref="Flushed"/> once the kernel has it.</summary>
    private void SendWritten(IActorRef replyTo)
    {
        ReadOnlyMemory<byte> datagram;
        lock (_lock)
        {
            if (_done || (_written is null && _more is null) || CannotReply())
            {
                replyTo.Tell(Flushed.Instance, this);
                return;
            }
            datagram = _written ?? _more!.WrittenSpan.ToArray();
            _written = null;
            _more?.Clear();
            _more = null;
            try
            {
                _socket.SendTo(datagram.Span, SocketFlags.None, _address);
                replyTo.Tell(Flushed.Instance, this);
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                // The socket buffer (or a Unix client's queue) is full: wait for room below.
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                NotSent(replyTo, e);
                return;
            }
        }
        SendLater(datagram, replyTo);
    }

    private void SendLater(ReadOnlyMemory<byte> datagram, IActorRef replyTo)
    {
        // Only a Unix datagram send can wait for long; a UDP one needs no timer.
        var timeout = _client is UnixDomainSocketEndPoint ? new CancellationTokenSource(SendTimeout) : null;
        _socket.SendToAsync(datagram, SocketFlags.None, _address, timeout?.Token ?? CancellationToken.None).AsTask().ContinueWith(
            t =>
            {
                timeout?.Dispose();
                if (t.IsCompletedSuccessfully) replyTo.Tell(Flushed.Instance, this);
                else NotSent(replyTo, t.IsCanceled ? new TimeoutException($"the client took no datagram within {SendTimeout}")
                    : t.Exception!.GetBaseException());
            },
            TaskContinuationOptions.ExecuteSynchronously);
    }

    private void NotSent(IActorRef replyTo, Exception error)
    {
        _log.Warning("Reply of {Handler} to {Client} not sent: {Reason}", Info.HandlerName, Info.ClientAddress, error.Message);
        replyTo.Tell(new IoFailed(IoFailure.ConnectionLost, $"reply not sent: {error.Message}"), this);
    }

    /// <summary>A Unix datagram client that bound no path has no address to answer to
    /// (socketserver's UnixDatagramServer cannot answer it either).</summary>
    private bool CannotReply()
    {
        if (_client is not UnixDomainSocketEndPoint || Info.ClientAddress.Length > 0) return false;
        _log.Debug("Reply of {Handler} dropped: the Unix datagram client bound no path to answer to", Info.HandlerName);
        return true;
    }
}
