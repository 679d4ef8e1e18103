using System.Buffers.Binary;
using System.Text;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tls;

namespace ActorSockets.Forking;

/// <summary>
/// The messages on the link between a listener and a worker process it started (a
/// <see cref="DescriptorChannel"/>): explicit little-endian fields, the wire version in every
/// frame's header. The worker says who it is; the listener sends the server's settings once,
/// then one <see cref="Connection"/> per handed-off socket (the descriptor attached), and
/// <see cref="Drain"/> when the server starts closing (the connection finishes what it has read),
/// <see cref="Close"/> when the listener ends a request early (drain deadline); the worker
/// answers each connection with <see cref="Ended"/>.
/// </summary>
internal static class HandoffProtocol
{
    public const byte Hello = 1, Settings = 2, Connection = 3, Close = 4, Ended = 5, Refused = 6, Drain = 7;

    /// <summary>Only <see cref="Connection"/> frames carry a descriptor.</summary>
    public static bool CarriesDescriptor(byte type) => type == Connection;

    /// <summary>The environment variable that gives a worker the link's path.</summary>
    public const string LinkVariable = "ACTORSOCKETS_WORKER_LINK";

    /// <summary>The environment variable that gives a worker the pid of the listener that started it.</summary>
    public const string ListenerPidVariable = "ACTORSOCKETS_LISTENER_PID";

    /// <summary>What a worker needs to serve the server's connections as the listener would,
    /// TLS included: a handed-off socket is wrapped in the worker, with the listener's
    /// certificate files (absolute paths: read by the worker, renewals picked up the same way)
    /// or store certificate (found in the worker's store). Objects from code cannot be sent:
    /// <c>ServerOptions.Validate</c> refuses them in forking mode.</summary>
    internal sealed record ServerSettings(string ServerName, string Transport, int MaxLineLength,
        int WriteBufferLimit, TimeSpan? ReadTimeout, TimeSpan? IdleTimeout, TimeSpan? FirstByteTimeout, TimeSpan? RequestDeadline,
        TlsOptions? Tls = null, SupervisionOptions? Supervision = null)
    {
        public static ServerSettings Of(ServerOptions options, string name) => new(
            name, ServerMeasures.TransportOf(options), options.MaxLineLength, options.WriteBufferLimit,
            options.ReadTimeout, options.IdleTimeout, options.FirstByteTimeout, options.RequestDeadline,
            options.Tls is { } tls ? tls with { Certificate = FullPath(tls.Certificate), Key = FullPath(tls.Key), Ca = FullPath(tls.Ca) } : null,
            new SupervisionOptions { OnFailure = options.Supervision.OnFailure, MaxRestarts = options.Supervision.MaxRestarts, Within = options.Supervision.Within });

        private static string FullPath(string path) => path.Length == 0 ? path : System.IO.Path.GetFullPath(path);

        /// <summary>Server options carrying these settings (the rest keep their defaults: the worker only serves).</summary>
        public ServerOptions ToOptions() => new()
        {
            MaxLineLength = MaxLineLength, WriteBufferLimit = WriteBufferLimit, ReadTimeout = ReadTimeout,
            IdleTimeout = IdleTimeout, FirstByteTimeout = FirstByteTimeout, RequestDeadline = RequestDeadline,
            Mode = ServerMode.Threading, Tls = Tls, Supervision = Supervision ?? new(),
        };
    }

    /// <summary>How a handed-off request ended in the worker.</summary>
    /// <param name="Id">The request's number on the link.</param>
    /// <param name="Cut">Stopped before it finished (the listener closed it, or the worker is stopping).</param>
    /// <param name="Events">Limit and timeout events the connection counted (not handler failures: <paramref name="Error"/>).</param>
    /// <param name="Error">The handler's failure, when it threw.</param>
    /// <param name="BytesIn">Bytes received from the client (the listener's metrics count them).</param>
    /// <param name="BytesOut">Bytes sent to the client.</param>
    internal sealed record EndReport(long Id, bool Cut, IReadOnlyList<(ServerEvent Event, int Count)> Events, HandlerFailed? Error,
        long BytesIn = 0, long BytesOut = 0);

    public static byte[] EncodeHello(int pid) => new Writer().Int(pid).ToArray();

    public static int DecodeHello(byte[] payload) => new Reader(payload).Int();

    public static byte[] EncodeSettings(ServerSettings s)
    {
        var w = new Writer().String(s.ServerName).String(s.Transport)
            .Int(s.MaxLineLength).Int(s.WriteBufferLimit).Span(s.ReadTimeout).Span(s.IdleTimeout).Span(s.FirstByteTimeout)
            .Span(s.RequestDeadline).Int((int)(s.Supervision?.OnFailure ?? FailurePolicy.Stop))
            .Int(s.Supervision?.MaxRestarts ?? 0).Span(s.Supervision?.Within).Bool(s.Tls is not null);
        if (s.Tls is { } tls)
            w.String(tls.Certificate).String(tls.Key).String(tls.Password).String(tls.Ca)
                .Int((int)tls.ClientCertificate).Int((int)tls.Protocols).Span(tls.HandshakeTimeout)
                .Bool(tls.StoreCertificate is not null);
        if (s.Tls?.StoreCertificate is { } store)
            w.Int((int)store.StoreName).Int((int)store.Location).String(store.Thumbprint).String(store.Subject);
        return w.ToArray();
    }

    public static ServerSettings DecodeSettings(byte[] payload)
    {
        var r = new Reader(payload);
        var settings = new ServerSettings(r.String(), r.String(), r.Int(), r.Int(), r.Span(), r.Span(), r.Span(), r.Span())
        {
            Supervision = new SupervisionOptions { OnFailure = (FailurePolicy)r.Int(), MaxRestarts = r.Int(), Within = r.Span() ?? new SupervisionOptions().Within },
        };
        if (!r.Bool()) return settings;
        var tls = new TlsOptions
        {
            Certificate = r.String(), Key = r.String(), Password = r.String(), Ca = r.String(),
            ClientCertificate = (ClientCertificateMode)r.Int(), Protocols = (System.Security.Authentication.SslProtocols)r.Int(),
            HandshakeTimeout = r.Span() ?? new TlsOptions().HandshakeTimeout, // always sent; the default keeps one copy
        };
        if (r.Bool()) // a store certificate: the worker finds it in its own store
            tls = tls with
            {
                StoreCertificate = new StoreCertificate
                {
                    StoreName = (System.Security.Cryptography.X509Certificates.StoreName)r.Int(),
                    Location = (System.Security.Cryptography.X509Certificates.StoreLocation)r.Int(),
                    Thumbprint = r.String(), Subject = r.String(),
                },
            };
        return settings with { Tls = tls };
    }

    /// <summary>A handed-off connection: its request, with both endpoints (the PROXY header's, when
    /// it had one, which the worker cannot learn from the socket).</summary>
    public static byte[] EncodeConnection(long id, Handlers.RequestInfo request, string listenerPath)
        => new Writer().Long(id).String(request.ClientAddress).String(request.ServerAddress).String(request.HandlerName)
            .String(listenerPath).EndPoint(request.RemoteEndPoint).EndPoint(request.LocalEndPoint).ToArray();

    public static (long Id, string Client, string Server, string Handler, string ListenerPath, System.Net.EndPoint? Remote, System.Net.EndPoint? Local)
        DecodeConnection(byte[] payload)
    {
        var r = new Reader(payload);
        return (r.Long(), r.String(), r.String(), r.String(), r.String(), r.EndPoint(), r.EndPoint());
    }

    public static byte[] EncodeId(long id) => new Writer().Long(id).ToArray();

    public static long DecodeId(byte[] payload) => new Reader(payload).Long();

    public static byte[] EncodeEnded(EndReport report)
    {
        var w = new Writer().Long(report.Id).Bool(report.Cut).Int(report.Events.Count);
        foreach (var (what, count) in report.Events) w.Int((int)what).Int(count);
        w.Bool(report.Error is not null);
        if (report.Error is { } e) w.String(e.ExceptionType).String(e.Message).String(e.Details);
        return w.Long(report.BytesIn).Long(report.BytesOut).ToArray();
    }

    public static EndReport DecodeEnded(byte[] payload)
    {
        var r = new Reader(payload);
        long id = r.Long();
        bool cut = r.Bool();
        var events = new List<(ServerEvent, int)>();
        for (int i = r.Int(); i > 0; i--) events.Add(((ServerEvent)r.Int(), r.Int()));
        var error = r.Bool() ? new HandlerFailed(r.String(), r.String(), r.String()) : null;
        return new EndReport(id, cut, events, error, r.Long(), r.Long());
    }

    public static byte[] EncodeText(string text) => new Writer().String(text).ToArray();

    public static string DecodeText(byte[] payload) => new Reader(payload).String();

    /// <summary>Little-endian fields, strings as a 32-bit length and UTF-8.</summary>
    internal sealed class Writer
    {
        private readonly MemoryStream _stream = new();
        private readonly byte[] _scratch = new byte[8];

        public Writer Int(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_scratch, value);
            _stream.Write(_scratch, 0, 4);
            return this;
        }

        public Writer Long(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_scratch, value);
            _stream.Write(_scratch, 0, 8);
            return this;
        }

        public Writer Bool(bool value)
        {
            _stream.WriteByte(value ? (byte)1 : (byte)0);
            return this;
        }

        public Writer Span(TimeSpan? value) => Long(value?.Ticks ?? -1);

        public Writer Bytes(ReadOnlySpan<byte> value)
        {
            Int(value.Length);
            _stream.Write(value);
            return this;
        }

        public Writer String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

        public Writer EndPoint(System.Net.EndPoint? value) => String(Connections.EndPointText.Format(value));

        public byte[] ToArray() => _stream.ToArray();
    }

    /// <summary>Reads what <see cref="Writer"/> wrote; a short or malformed payload throws <see cref="FormatException"/>.</summary>
    internal sealed class Reader(byte[] data)
    {
        private int _at;

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _at + count > data.Length) throw new FormatException("truncated ActorSockets wire message");
            var span = data.AsSpan(_at, count);
            _at += count;
            return span;
        }

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public bool Bool() => Take(1)[0] != 0;

        public TimeSpan? Span() => Long() is var ticks && ticks < 0 ? null : TimeSpan.FromTicks(ticks);

        public byte[] Bytes() => Take(Int()).ToArray();

        public string String() => Encoding.UTF8.GetString(Take(Int()));

        public System.Net.EndPoint? EndPoint() => Connections.EndPointText.Parse(String());

        public bool AtEnd => _at == data.Length;
    }
}
