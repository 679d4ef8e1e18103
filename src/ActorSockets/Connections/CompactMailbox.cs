using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorSockets.Connections;

/// <summary>
/// The mailbox of the actors a server makes per request (a connection and its handler). Akka's
/// default queue is a <c>ConcurrentQueue</c> that allocates a 32-slot segment (about 1.1 KiB)
/// for every actor up front; with two actors per idle connection that was a fifth of its
/// memory. This queue starts empty and grows from 4 slots: a request actor sees a handful of
/// messages at a time. It takes a lock per enqueue and dequeue, uncontended in practice
/// (one consumer, and senders that rarely collide), and allocates nothing per message.
/// </summary>
internal sealed class CompactMailbox(Settings settings, Config config)
    : MailboxType(settings, config), IProducesMessageQueue<CompactMessageQueue>
{
    /// <summary>The configuration path the per-request actors' props name.</summary>
    public const string Id = "actorsockets.compact-mailbox";

    /// <summary>Its configuration, registered with the I/O dispatcher's (<see cref="IoDispatcher.Register"/>).</summary>
    internal static readonly Config Definition = ConfigurationFactory.ParseString(
        $"{Id}.mailbox-type = \"{typeof(CompactMailbox).AssemblyQualifiedName}\"");

    /// <summary>The deployment of an actor with this mailbox, for props built per request.</summary>
    public static readonly Deploy Deployment = new Deploy().WithMailbox(Id);

    /// <summary>The deployment of a plain connection actor: this mailbox, on <see cref="IoDispatcher.Id"/>.</summary>
    public static readonly Deploy ConnectionDeployment = Deployment.WithDispatcher(IoDispatcher.Id);

    /// <summary>The deployment of a TLS connection actor: this mailbox, on <see cref="IoDispatcher.RequestId"/>.</summary>
    public static readonly Deploy TlsConnectionDeployment = Deployment.WithDispatcher(IoDispatcher.RequestId);

    /// <summary>The deployment of the connection actor of a request with <paramref name="settings"/>.</summary>
    public static Deploy ConnectionDeploymentFor(ConnectionContext settings)
        => settings.Tls is null ? ConnectionDeployment : TlsConnectionDeployment;

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new CompactMessageQueue();

    /// <summary><paramref name="props"/> with this mailbox, unless they chose one of their own.</summary>
    public static Props Apply(Props props)
        => string.IsNullOrEmpty(props.Mailbox) || props.Mailbox == Mailboxes.DefaultMailboxId ? props.WithMailbox(Id) : props;
}

/// <summary>An unbounded FIFO of envelopes under a lock, holding no memory until a message arrives.</summary>
internal sealed class CompactMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly Queue<Envelope> _queue = new(); // its array is allocated by the first enqueue
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_queue)
        {
            _queue.Enqueue(envelope);
            _count++;
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            envelope = default;
            return false;
        }
        lock (_queue)
        {
            if (!_queue.TryDequeue(out envelope)) return false;
            _count--;
            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}
