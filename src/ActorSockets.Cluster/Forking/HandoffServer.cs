using System.Net.Sockets;
using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// A worker process's end of the link with the listener that started it. A thread of its own
/// reads the link: each socket handed over is adopted (<c>new Socket(new SafeSocketHandle(fd, true))</c>)
/// and served by <see cref="HandoffServer"/> with the same connection and handler actors as
/// threading mode. End of stream on the link means the listener is gone (however it died): the
/// worker leaves.
/// </summary>
internal static class WorkerLinkClient
{
    /// <summary>Connects the link at <paramref name="path"/> and serves it on a thread of its own.</summary>
    /// <exception cref="IOException">The listener refused us or the link failed before its settings came.</exception>
    public static void Start(ActorSystem system, Props handlerProps, string path, Action<string> listenerGone, Action<string> refused)
    {
        var log = Logging.GetLogger(system, typeof(WorkerLinkClient));
        var channel = DescriptorChannel.Connect(path);
        channel.Send(HandoffProtocol.Hello, HandoffProtocol.EncodeHello(Environment.ProcessId));
        if (!channel.Receive(HandoffProtocol.CarriesDescriptor, out var version, out var type, out var payload, out _))
            throw new IOException("the listener closed the link before sending its settings");
        if (version != WireSerializer.Version || type == HandoffProtocol.Refused)
        {
            var why = type == HandoffProtocol.Refused && version == WireSerializer.Version
                ? HandoffProtocol.DecodeText(payload)
                : $"the listener speaks wire version {version}, this worker {WireSerializer.Version}";
            channel.Dispose();
            refused(why);
            return;
        }
        var settings = HandoffProtocol.DecodeSettings(payload);
        IoDispatcher.Register(system);
        var adopter = new Adopter(system, settings, handlerProps, log);
        // On the I/O dispatcher, with the connections as its children: a connection made with
        // system.ActorOf from the link thread cost two runs of the user guardian (supervising and
        // reaping the top-level actor) and one of this actor, on thread-pool threads, per connection.
        var server = system.ActorOf(Props.Create(() => new HandoffServer(channel, adopter)).WithDispatcher(IoDispatcher.Id), "actorsockets-handoff");
        new Thread(() =>
        {
            string reason = "the listener closed the link";
            try
            {
                while (channel.Receive(HandoffProtocol.CarriesDescriptor, out var v, out var t, out var p, out var fd))
                {
                    if (v != WireSerializer.Version) throw new IOException($"a frame of wire version {v} on the link");
                    switch (t)
                    {
                        case HandoffProtocol.Connection:
                            var (id, client, bound, handler, listener, remote, local) = HandoffProtocol.DecodeConnection(p);
                            server.Tell(new Adopt(fd, id, client, bound, handler, listener) { Remote = remote, Local = local });
                            break;
                        case HandoffProtocol.Close:
                            server.Tell(new CloseHandedOff(HandoffProtocol.DecodeId(p)));
                            break;
                        case HandoffProtocol.Drain:
                            server.Tell(new DrainHandedOff(HandoffProtocol.DecodeId(p)));
                            break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or FormatException or SocketException)
            {
                reason = $"the link failed: {e.Message}";
            }
            channel.Dispose();
            log.Debug("Link to the listener ended: {0}", reason);
            listenerGone(reason);
        }) { IsBackground = true, Name = "actorsockets-listener-link" }.Start();
    }

    internal sealed record Adopt(int Descriptor, long Id, string Client, string Server, string Handler, string ListenerPath)
    {
        public System.Net.EndPoint? Remote { get; init; }
        public System.Net.EndPoint? Local { get; init; }
    }

    /// <summary>Adopts a socket handed over and starts its connection actor, as a child of
    /// <see cref="HandoffServer"/>, which calls it from its own thread.</summary>
    internal sealed class Adopter(ActorSystem system, HandoffProtocol.ServerSettings settings, Props handlerProps, ILoggingAdapter log)
    {
        private readonly ServerOptions _options = settings.ToOptions();
        private ConnectionSettings? _limits; // made once, shared by the worker's connections
        private readonly HandlerPlacement _launcher = new ChildHandlerPlacement(handlerProps, dispatcher: settings.Tls is null ? null : IoDispatcher.RequestId);
        private readonly ServerMetrics _metrics = new(settings.ServerName, settings.Transport);
        // One per worker, shared by its connections: it reads a renewed certificate once for all of them.
        private readonly Tls.ServerCertificate? _certificate = settings.Tls is null ? null : new Tls.ServerCertificate(settings.Tls);
        private string _listenerPath = "";
        private IActorRef _listener = ActorRefs.Nobody;

        /// <summary>The connection started for <paramref name="adopt"/>.</summary>
        /// <exception cref="SocketException">The descriptor is not a socket we can take (it is closed).</exception>
        public HandoffServer.Running Serve(IActorContext server, Adopt adopt)
        {
            Socket socket;
            try
            {
                socket = new Socket(new SafeSocketHandle(adopt.Descriptor, ownsHandle: true));
            }
            catch (SocketException e)
            {
                DescriptorChannel.CloseDescriptor(adopt.Descriptor);
                log.Warning("Cannot adopt the socket of {Handler}: {Reason}", adopt.Handler, e.Message);
                throw;
            }
            if (adopt.ListenerPath != _listenerPath)
            {
                _listenerPath = adopt.ListenerPath;
                _listener = ((ExtendedActorSystem)system).Provider.ResolveActorRef(adopt.ListenerPath);
            }
            var hooks = new HandoffServer.CapturingHooks();
            var requestSettings = new ServerContext(_options, hooks, _launcher, _limits ??= ServerContext.ConnectionSettingsOf(_options)) { Metrics = _metrics, Tls = _certificate, Totals = new() };
            var info = new RequestInfo(adopt.Client, adopt.Server, adopt.Handler, _listener) { RemoteEndPoint = adopt.Remote, LocalEndPoint = adopt.Local };
            var connection = server.ActorOf(
                new Props(CompactMailbox.ConnectionDeploymentFor(requestSettings), typeof(StreamConnectionActor), socket, info, requestSettings), $"handoff-{adopt.Id}");
            return new HandoffServer.Running(connection, adopt.Id, requestSettings, hooks);
        }
    }

    internal sealed record CloseHandedOff(long Id);

    internal sealed record DrainHandedOff(long Id);
}

/// <summary>
/// Serves the sockets a listener hands to this worker: each is a <see cref="StreamConnectionActor"/>
/// (the server's limits and timeouts, sent once over the link) with the program's handler, as in
/// threading mode. When one stops, what it counted and how its handler ended go back to the
/// listener, which keeps the server's stats, metrics and <c>HandleError</c>.
/// </summary>
internal sealed class HandoffServer(DescriptorChannel channel, WorkerLinkClient.Adopter adopter) : UntypedActor
{
    /// <summary>A connection actor serves request <paramref name="Id"/>.</summary>
    internal sealed record Running(IActorRef Connection, long Id, ServerContext Settings, CapturingHooks Hooks);

    private readonly DescriptorChannel _channel = channel;
    private readonly Dictionary<IActorRef, Running> _running = [];
    private readonly Dictionary<long, IActorRef> _byId = [];
    private readonly HashSet<long> _cut = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WorkerLinkClient.Adopt adopt:
                Adopt(adopt);
                break;
            case WorkerLinkClient.CloseHandedOff close when _byId.TryGetValue(close.Id, out var connection):
                _cut.Add(close.Id);
                Context.Stop(connection);
                break;
            case Terminated t when _running.Remove(t.ActorRef, out var running):
                _byId.Remove(running.Id);
                Report(running, _cut.Remove(running.Id));
                break;
            case WorkerLinkClient.DrainHandedOff drain when _byId.TryGetValue(drain.Id, out var draining):
                draining.Tell(Drain.Instance);
                break;
            case WorkerLinkClient.CloseHandedOff or WorkerLinkClient.DrainHandedOff:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Adopt(WorkerLinkClient.Adopt adopt)
    {
        Running running;
        try
        {
            running = adopter.Serve(Context, adopt);
        }
        catch (SocketException e)
        {
            Send(new HandoffProtocol.EndReport(adopt.Id, true, [], HandlerFailed.From(e)));
            return;
        }
        Context.Watch(running.Connection);
        _running[running.Connection] = running;
        _byId[running.Id] = running.Connection;
    }

    /// <summary>A connection actor that fails is stopped, not restarted: its socket is gone with it,
    /// and its Terminated reports the request's end.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void Report(Running running, bool cut)
    {
        var stats = running.Settings.Counters.Snapshot(0, null, false);
        var events = new List<(ServerEvent, int)>(2);
        void Add(ServerEvent what, long count)
        {
            if (count > 0) events.Add((what, (int)count));
        }
        Add(ServerEvent.IdleTimeout, stats.IdleTimeouts);
        Add(ServerEvent.FirstByteTimeout, stats.FirstByteTimeouts);
        Add(ServerEvent.ReadTimeout, stats.ReadTimeouts);
        Add(ServerEvent.RequestDeadline, stats.RequestDeadlines);
        Add(ServerEvent.WriteLimit, stats.WriteLimitFailures);
        Add(ServerEvent.LineTooLong, stats.LinesTooLong);
        Add(ServerEvent.TlsHandshakeFailure, stats.TlsHandshakeFailures);
        Add(ServerEvent.HandlerRestart, stats.HandlerRestarts);
        // A failure its handler was restarted after did not end the connection: only a last one is reported.
        var error = running.Hooks.Failures > stats.HandlerRestarts && running.Hooks.Error is { } e ? HandlerFailed.From(e) : null;
        var totals = running.Settings.Totals!;
        Send(new HandoffProtocol.EndReport(running.Id, cut, events, error, totals.BytesIn, totals.BytesOut));
    }

    private void Send(HandoffProtocol.EndReport report)
    {
        try
        {
            _channel.Send(HandoffProtocol.Ended, HandoffProtocol.EncodeEnded(report));
        }
        catch (IOException e)
        {
            _log.Debug("Cannot report the end of request {0} to the listener: {1}", report.Id, e.Message);
        }
    }

    /// <summary>The handler's last failure, kept for the listener, which reports it to the server's
    /// <c>HandleError</c>, and how many there were (each restart is logged here, in the worker).</summary>
    internal sealed class CapturingHooks : ServerHooks
    {
        public Exception? Error { get; private set; }

        public int Failures { get; private set; }

        public override void HandleError(RequestInfo request, Exception error, ILoggingAdapter log)
        {
            Error = error;
            Failures++;
        }
    }
}
