using System.Collections.Concurrent;
using System.Net.Sockets;
using ActorSockets.Handlers;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;

namespace ActorSockets.Forking;

/// <summary>
/// The listener's end of the links to the worker processes it starts: a Unix stream socket in a
/// private directory (mode 0700) that each worker connects to at start (its path is in the
/// worker's environment, <see cref="HandoffProtocol.LinkVariable"/>). A link serves two ends:
/// accepted sockets are handed to the worker over it (<see cref="WorkerLink"/>), and the worker
/// exits when it reads end of stream, which the kernel gives it however the listener dies.
/// Each link's reads block on a thread of its own.
/// </summary>
internal sealed class HandoffLinks : IDisposable
{
    private readonly string _directory;
    private readonly Socket _listening;
    private readonly IActorRef _pool;
    private readonly HandoffProtocol.ServerSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<WorkerLink, byte> _links = new();
    private volatile bool _disposed;

    public HandoffLinks(IActorRef pool, HandoffProtocol.ServerSettings settings, ILoggingAdapter log)
    {
        _pool = pool;
        _settings = settings;
        _log = log;
        SweepStale();
        _directory = Directory.CreateTempSubdirectory(DirectoryPrefix).FullName; // 0700: only this user connects
        File.WriteAllText(System.IO.Path.Combine(_directory, PidFile), Environment.ProcessId.ToString());
        Path = System.IO.Path.Combine(_directory, "workers.sock");
        _listening = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listening.Bind(new UnixDomainSocketEndPoint(Path));
        _listening.Listen(64);
        new Thread(AcceptLoop) { IsBackground = true, Name = "actorsockets-worker-links" }.Start();
    }

    /// <summary>The path workers connect to.</summary>
    public string Path { get; }

    private const string DirectoryPrefix = "actorsockets-";
    private const string PidFile = "listener.pid";

    /// <summary>Removes the link directories of listeners that died without cleaning up (SIGKILL,
    /// a crash): each names its listener's pid, and one whose process is gone is left over.
    /// Best effort: a directory of another user, or one being made right now, is left alone.</summary>
    internal static void SweepStale()
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(System.IO.Path.GetTempPath(), DirectoryPrefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var directory in candidates)
        {
            try
            {
                var pidFile = System.IO.Path.Combine(directory, PidFile);
                if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), out var pid) || IsRunning(pid)) continue;
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another user's, or gone meanwhile
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket accepted;
            try
            {
                accepted = _listening.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_disposed) return;
                _log.Warning("Accepting a worker link failed: {Reason}", e.Message);
                continue;
            }
            new Thread(() => Serve(new DescriptorChannel(accepted))) { IsBackground = true, Name = "actorsockets-worker-link" }.Start();
        }
    }

    private void Serve(DescriptorChannel channel)
    {
        WorkerLink? link = null;
        try
        {
            if (!channel.Receive(HandoffProtocol.CarriesDescriptor, out var version, out var type, out var payload, out _)) return;
            if (version != WireSerializer.Version)
            {
                var why = $"a worker process speaks wire version {version}, this listener {WireSerializer.Version}: refused";
                _log.Error("{0}", why);
                channel.Send(HandoffProtocol.Refused, HandoffProtocol.EncodeText(why));
                return;
            }
            if (type != HandoffProtocol.Hello) throw new IOException($"expected a hello, got frame type {type}");
            link = new WorkerLink(HandoffProtocol.DecodeHello(payload), channel);
            _links[link] = 0;
            channel.Send(HandoffProtocol.Settings, HandoffProtocol.EncodeSettings(_settings));
            _pool.Tell(new LinkUp(link));
            while (channel.Receive(HandoffProtocol.CarriesDescriptor, out version, out type, out payload, out _))
            {
                if (version != WireSerializer.Version) throw new IOException($"frame of wire version {version} on the link of pid {link.ProcessId}");
                if (type == HandoffProtocol.Ended) link.OnEnded(HandoffProtocol.DecodeEnded(payload));
            }
        }
        catch (Exception e) when (e is IOException or FormatException or SocketException)
        {
            if (!_disposed) _log.Warning("Link to worker process {Pid} failed: {Reason}", link?.ProcessId, e.Message);
        }
        finally
        {
            channel.Dispose();
            if (link is not null)
            {
                _links.TryRemove(link, out _);
                link.OnDown($"the link to worker process {link.ProcessId} closed (the worker exited)");
                _pool.Tell(new LinkDown(link));
            }
        }
    }

    /// <summary>Closes every link (their workers leave) and removes the directory.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _listening.Dispose();
        foreach (var link in _links.Keys) link.Channel.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}

/// <summary>The link to one worker process: hands sockets to it and routes each request's end to
/// the listener-side actor that stands in for it.</summary>
internal sealed class WorkerLink(int processId, DescriptorChannel channel)
{
    private readonly ConcurrentDictionary<long, IActorRef> _requests = new();
    private long _nextId;
    private int _inFlight;
    private IActorRef? _lastServer;
    private string _lastServerPath = "";

    public int ProcessId { get; } = processId;
    public DescriptorChannel Channel { get; } = channel;

    /// <summary>A hand-off over this link failed: the worker is dying. Nothing more is placed on it,
    /// before its link's end of stream is read and the pool drops it.</summary>
    public bool Broken => Volatile.Read(ref _broken);

    private bool _broken;

    /// <summary>Number of requests handed to this worker and not yet ended.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    private bool Forget(long id, out IActorRef standIn)
    {
        if (!_requests.TryRemove(id, out standIn!)) return false;
        Interlocked.Decrement(ref _inFlight);
        return true;
    }

    /// <summary>Hands <paramref name="client"/>'s descriptor to the worker; the caller closes its own copy.</summary>
    /// <exception cref="IOException">The link is broken.</exception>
    public long HandOff(IActorRef standIn, Socket client, RequestInfo request)
    {
        long id = Interlocked.Increment(ref _nextId);
        _requests[id] = standIn;
        Interlocked.Increment(ref _inFlight);
        try
        {
            Channel.Send(HandoffProtocol.Connection,
                HandoffProtocol.EncodeConnection(id, request, ServerPath(request.Server)),
                client.SafeHandle);
        }
        catch
        {
            Forget(id, out _);
            Volatile.Write(ref _broken, true);
            throw;
        }
        return id;
    }

    /// <summary>The server is closing: the worker's connection drains (answers what it has read, then
    /// ends between requests), as the listener's own connections do.</summary>
    public void Drain(long id)
    {
        try
        {
            Channel.Send(HandoffProtocol.Drain, HandoffProtocol.EncodeId(id));
        }
        catch (IOException) { /* the worker is gone: so is the connection */ }
    }

    /// <summary>The listener ended the request first: the worker closes the connection.</summary>
    public void Close(long id)
    {
        if (!Forget(id, out _)) return;
        try
        {
            Channel.Send(HandoffProtocol.Close, HandoffProtocol.EncodeId(id));
        }
        catch (IOException) { /* the worker is gone: so is the connection */ }
    }

    public void OnEnded(HandoffProtocol.EndReport report)
    {
        if (Forget(report.Id, out var standIn)) standIn.Tell(new HandedOffEnded(report));
    }

    public void OnDown(string reason)
    {
        foreach (var id in _requests.Keys)
            if (Forget(id, out var standIn)) standIn.Tell(new WorkerLost(reason));
    }

    private string ServerPath(IActorRef server)
    {
        var last = _lastServer;
        if (ReferenceEquals(last, server)) return _lastServerPath;
        var path = Serialization.SerializedActorPath(server);
        (_lastServerPath, _lastServer) = (path, server); // benign race: both fields describe one server
        return path;
    }
}

/// <summary>Link thread → pool: a worker process connected its link.</summary>
internal sealed record LinkUp(WorkerLink Link);

/// <summary>Link thread → pool: a worker's link closed.</summary>
internal sealed record LinkDown(WorkerLink Link);

/// <summary>Link thread → stand-in: the handed-off request ended in the worker.</summary>
internal sealed record HandedOffEnded(HandoffProtocol.EndReport Report);

/// <summary>
/// What a stand-in needs to place its socket without asking the pool (one hop less per
/// connection): the links of our reachable workers, and the least load among the workers that
/// take only relayed requests. The pool publishes both; each link counts its own requests.
/// </summary>
internal sealed class LocalPlacement
{
    private volatile WorkerLink[] _links = [];
    private volatile int _leastRelayLoad = int.MaxValue;

    /// <summary>The least busy linked worker, if none of the relay-only workers is less busy; else null (ask the pool).</summary>
    public WorkerLink? TryPick()
    {
        WorkerLink? best = null;
        foreach (var link in _links)
            if (!link.Broken && (best is null || link.InFlight < best.InFlight)) best = link;
        return best is not null && best.InFlight <= _leastRelayLoad ? best : null;
    }

    public void Publish(WorkerLink[] links, int leastRelayLoad)
    {
        _links = links;
        _leastRelayLoad = leastRelayLoad;
    }
}
