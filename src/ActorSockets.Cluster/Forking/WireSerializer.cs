using System.Text;
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
/// </summary>
public sealed class WireSerializer : SerializerWithStringManifest
{
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
    ];

    /// <inheritdoc/>
    public override int Identifier => Id;

    // An exchange's next step is in its manifest, so its bytes go as they are, without a copy.
    private static readonly string[] ExchangeManifests = ["XN", "XR", "XF", "XD"];

    /// <inheritdoc/>
    public override string Manifest(object o) => o switch
    {
        Write => "W", ReadResult => "R", ReadLine => "L", ReadAvailable => "A", ReadExactly => "X",
        Flush => "F", Flushed => "f", IoFailed => "E", HandlerDone => "D", Abort => "AB",
        Exchange { Then: var then } => ExchangeManifests[(int)then],
        Setup => "S", Handle => "H", Finish => "Z", StartHandler => "ST", EndRequest => "ER",
        HandlerFailed => "HF", GetWorkerInfo => "GW", WorkerInfo => "WI",
        Shutdown => "SD", ShutdownCompleted => "SC",
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
            case ReadAvailable a: return BitConverter.GetBytes(a.MaxBytes);
            case ReadExactly x: return BitConverter.GetBytes(x.Count);
            case ReadLine or Flush or Flushed or HandlerDone or Handle or Finish or GetWorkerInfo or EndRequest or Shutdown or ShutdownCompleted:
                return [];
        }
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (o)
            {
                case IoFailed e: writer.Write((int)e.Reason); writer.Write(e.Message); break;
                case Abort ab: writer.Write(ab.Reason); break;
                case Setup s: WriteSetup(writer, s); break;
                case StartHandler st:
                    WriteSetup(writer, st.Setup);
                    WriteRef(writer, st.Proxy);
                    writer.Write(st.Input.Length);
                    writer.Write(st.Input);
                    writer.Write(st.InputEnded);
                    writer.Write(st.MaxLineLength);
                    break;
                case HandlerFailed hf: writer.Write(hf.ExceptionType); writer.Write(hf.Message); writer.Write(hf.Details); break;
                case WorkerInfo wi: writer.Write(wi.ProcessId); writer.Write(wi.MachineName); break;
                default: throw new ArgumentException($"{o.GetType()} is not an ActorSockets wire message");
            }
        }
        return stream.ToArray();
    }

    /// <inheritdoc/>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        switch (manifest)
        {
            case "W": return new Write(bytes);
            case "XN": return new Exchange(bytes, ExchangeThen.Nothing);
            case "XR": return new Exchange(bytes, ExchangeThen.Read);
            case "XF": return new Exchange(bytes, ExchangeThen.Flush);
            case "XD": return new Exchange(bytes, ExchangeThen.Done);
            case "ER": return EndRequest.Instance;
            case "R": return new ReadResult(bytes);
            case "A": return new ReadAvailable(BitConverter.ToInt32(bytes));
            case "X": return new ReadExactly(BitConverter.ToInt32(bytes));
            case "L": return new ReadLine();
            case "F": return Flush.Instance;
            case "f": return Flushed.Instance;
            case "D": return HandlerDone.Instance;
            case "H": return Handle.Instance;
            case "Z": return Finish.Instance;
            case "GW": return GetWorkerInfo.Instance;
            case "SD": return Shutdown.Instance;
            case "SC": return ShutdownCompleted.Instance;
        }
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return manifest switch
        {
            "E" => new IoFailed((IoFailure)reader.ReadInt32(), reader.ReadString()),
            "AB" => new Abort(reader.ReadString()),
            "S" => ReadSetup(reader),
            "ST" => new StartHandler(ReadSetup(reader), ReadRef(reader), reader.ReadBytes(reader.ReadInt32()),
                reader.ReadBoolean(), reader.ReadInt32()),
            "HF" => new HandlerFailed(reader.ReadString(), reader.ReadString(), reader.ReadString()),
            "WI" => new WorkerInfo(reader.ReadInt32(), reader.ReadString()),
            _ => throw new System.Runtime.Serialization.SerializationException($"Unknown ActorSockets manifest '{manifest}'"),
        };
    }

    private static void WriteSetup(BinaryWriter writer, Setup setup)
    {
        writer.Write(setup.Request.ClientAddress);
        writer.Write(setup.Request.ServerAddress);
        writer.Write(setup.Request.HandlerName);
        WriteRef(writer, setup.Request.Server);
        WriteRef(writer, setup.Connection);
        writer.Write(setup.WriteBufferLimit);
        writer.Write(setup.Datagram?.Length ?? -1);
        if (setup.Datagram is { } datagram) writer.Write(datagram);
    }

    private Setup ReadSetup(BinaryReader reader)
    {
        var request = new RequestInfo(reader.ReadString(), reader.ReadString(), reader.ReadString(), ReadRef(reader));
        var setup = new Setup(request, ReadRef(reader), reader.ReadInt32());
        int datagramLength = reader.ReadInt32();
        return datagramLength < 0 ? setup : setup with { Datagram = reader.ReadBytes(datagramLength) };
    }

    private static void WriteRef(BinaryWriter writer, IActorRef actor)
        => writer.Write(Serialization.SerializedActorPath(actor));

    private IActorRef ReadRef(BinaryReader reader) => system.Provider.ResolveActorRef(reader.ReadString());
}
