using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Serialization;

namespace ActorSockets.Forking;

/// <summary>
/// A compact binary serializer for every message that crosses between the listener and worker
/// processes. Byte payloads travel as raw length-prefixed bytes: Akka's default would send
/// records holding <c>byte[]</c> as JSON (and fails a ByteString round trip).
/// <para>Versioned: every message's manifest (sent with every frame) starts with
/// <see cref="Version"/>, and fields are explicit little-endian. A message of another version is
/// refused with a <see cref="System.Runtime.Serialization.SerializationException"/> that names
/// both versions (Akka logs it). The join handshake (<see cref="GetWorkerInfo"/>,
/// <see cref="WorkerInfo"/>, <see cref="WorkerRefused"/>) has manifests and a leading version
/// field that never change, so two versions can always tell each other why they refuse.</para>
/// </summary>
internal sealed class WireSerializer : SerializerWithStringManifest
{
    /// <summary>The wire format's version: bump it whenever any message's layout changes.</summary>
    public const ushort Version = 2;

    private const string V = "2"; // Version as the manifest prefix

    /// <summary>Created by Akka's serialization extension.</summary>
    public WireSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Akka serializer id; unique in the actor system.</summary>
    public const int Id = 4711;

    /// <summary>The message types this serializer owns, for the HOCON bindings.</summary>
    public static readonly Type[] Types =
    [
        typeof(Setup), typeof(Handle), typeof(Finish), typeof(HandlerDone),
        typeof(ReadLine), typeof(ReadAvailable), typeof(ReadExactly), typeof(Write), typeof(Flush), typeof(Abort),
        typeof(ReadResult), typeof(Flushed), typeof(IoFailed),
        typeof(Shutdown), typeof(ShutdownCompleted),
        typeof(StartHandler), typeof(EndRequest), typeof(Exchange), typeof(HandlerFailed), typeof(GetWorkerInfo), typeof(WorkerInfo),
        typeof(WorkerRefused),
    ];

    /// <inheritdoc/>
    public override int Identifier => Id;

    // An exchange's next step is in its manifest, so its bytes go as they are, without a copy.
    private static readonly string[] ExchangeManifests = [V + "XN", V + "XR", V + "XF", V + "XD"];

    /// <inheritdoc/>
    public override string Manifest(object o) => o switch
    {
        Write => V + "W", ReadResult => V + "R", ReadLine => V + "L", ReadAvailable => V + "A", ReadExactly => V + "X",
        Flush => V + "F", Flushed => V + "f", IoFailed => V + "E", HandlerDone => V + "D", Abort => V + "AB",
        Exchange { Then: var then } => ExchangeManifests[(int)then],
        Setup => V + "S", Handle => V + "H", Finish => V + "Z", StartHandler => V + "ST", EndRequest => V + "ER",
        HandlerFailed => V + "HF", Shutdown => V + "SD", ShutdownCompleted => V + "SC",
        GetWorkerInfo => "GW", WorkerInfo => "WI", WorkerRefused => "WR", // the handshake: the same in every version
        _ => throw new ArgumentException($"{o.GetType()} is not an ActorSockets wire message"),
    };

    /// <inheritdoc/>
    public override byte[] ToBinary(object o)
    {
        switch (o)
        {
            case Write w: return w.Data; // the hot path: no copy, no framing
            case Exchange x: return x.Writes;
            case ReadResult r: return r.Data;
            case ReadLine or Flush or Flushed or HandlerDone or Handle or Finish or EndRequest or Shutdown or ShutdownCompleted:
                return [];
        }
        var writer = new HandoffProtocol.Writer();
        switch (o)
        {
            case ReadAvailable a: writer.Int(a.MaxBytes); break;
            case ReadExactly x: writer.Int(x.Count); break;
            case IoFailed e: writer.Int((int)e.Reason).String(e.Message); break;
            case Abort ab: writer.String(ab.Reason); break;
            case Setup s: WriteSetup(writer, s); break;
            case StartHandler st:
                WriteSetup(writer, st.Setup);
                WriteRef(writer, st.Proxy);
                writer.Bytes(st.Input).Bool(st.InputEnded).Int(st.MaxLineLength);
                break;
            case HandlerFailed hf: writer.String(hf.ExceptionType).String(hf.Message).String(hf.Details); break;
            case GetWorkerInfo gw: writer.Int(gw.WireVersion); break;
            case WorkerInfo wi: writer.Int(wi.WireVersion).Int(wi.ProcessId).String(wi.MachineName); break;
            case WorkerRefused wr: writer.Int(wr.ListenerVersion).String(wr.Reason); break;
            default: throw new ArgumentException($"{o.GetType()} is not an ActorSockets wire message");
        }
        return writer.ToArray();
    }

    /// <inheritdoc/>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        var reader = new HandoffProtocol.Reader(bytes);
        switch (manifest) // the handshake first: its layout starts with the version in every version
        {
            case "GW": return new GetWorkerInfo(reader.Int());
            case "WI":
                int version = reader.Int();
                return new WorkerInfo(reader.Int(), reader.String()) { WireVersion = version };
            case "WR": return new WorkerRefused(reader.Int(), reader.String());
        }
        if (!manifest.StartsWith(V, StringComparison.Ordinal) || manifest.Length < 2 || char.IsDigit(manifest[1]))
            throw new System.Runtime.Serialization.SerializationException(
                $"ActorSockets wire message '{manifest}' is not of wire version {Version}, which this node speaks: " +
                "run the same ActorSockets version on the listener and its workers");
        switch (manifest[1..])
        {
            case "W": return new Write(bytes);
            case "XN": return new Exchange(bytes, ExchangeThen.Nothing);
            case "XR": return new Exchange(bytes, ExchangeThen.Read);
            case "XF": return new Exchange(bytes, ExchangeThen.Flush);
            case "XD": return new Exchange(bytes, ExchangeThen.Done);
            case "ER": return EndRequest.Instance;
            case "R": return new ReadResult(bytes);
            case "L": return new ReadLine();
            case "F": return Flush.Instance;
            case "f": return Flushed.Instance;
            case "D": return HandlerDone.Instance;
            case "H": return Handle.Instance;
            case "Z": return Finish.Instance;
            case "SD": return Shutdown.Instance;
            case "SC": return ShutdownCompleted.Instance;
        }
        return manifest[1..] switch
        {
            "A" => new ReadAvailable(reader.Int()),
            "X" => new ReadExactly(reader.Int()),
            "E" => new IoFailed((IoFailure)reader.Int(), reader.String()),
            "AB" => new Abort(reader.String()),
            "S" => ReadSetup(reader),
            "ST" => new StartHandler(ReadSetup(reader), ReadRef(reader), reader.Bytes(), reader.Bool(), reader.Int()),
            "HF" => new HandlerFailed(reader.String(), reader.String(), reader.String()),
            _ => throw new System.Runtime.Serialization.SerializationException($"Unknown ActorSockets manifest '{manifest}'"),
        };
    }

    private static void WriteSetup(HandoffProtocol.Writer writer, Setup setup)
    {
        writer.String(setup.Request.ClientAddress).String(setup.Request.ServerAddress).String(setup.Request.HandlerName);
        WriteRef(writer, setup.Request.Server);
        WriteRef(writer, setup.Connection);
        writer.EndPoint(setup.Request.RemoteEndPoint).EndPoint(setup.Request.LocalEndPoint);
        writer.Int(setup.WriteBufferLimit).Bool(setup.Datagram is not null);
        if (setup.Datagram is { } datagram) writer.Bytes(datagram);
    }

    private Setup ReadSetup(HandoffProtocol.Reader reader)
    {
        var request = new RequestInfo(reader.String(), reader.String(), reader.String(), ReadRef(reader));
        var connection = ReadRef(reader);
        request = request with { RemoteEndPoint = reader.EndPoint(), LocalEndPoint = reader.EndPoint() };
        var setup = new Setup(request, connection, reader.Int());
        return reader.Bool() ? setup with { Datagram = reader.Bytes() } : setup;
    }

    private static void WriteRef(HandoffProtocol.Writer writer, IActorRef actor)
        => writer.String(Serialization.SerializedActorPath(actor));

    private IActorRef ReadRef(HandoffProtocol.Reader reader) => system.Provider.ResolveActorRef(reader.String());
}
