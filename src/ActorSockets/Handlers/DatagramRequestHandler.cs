using System.Text;

namespace ActorSockets.Handlers;

/// <summary>
/// socketserver's <c>DatagramRequestHandler</c>: a handler for UDP and Unix datagram servers.
/// <see cref="Data"/> is the datagram (<c>self.packet</c>, <c>rfile.read()</c>); what
/// <see cref="WriteAsync(ReadOnlyMemory{byte})"/> writes (<c>wfile.write</c>) is sent back to
/// the client as one datagram when the handler finishes, even if Handle threw. A handler that
/// answers more than once sends each answer with <see cref="SendNowAsync()"/>. A handler that
/// writes nothing sends no reply. Clients of a Unix datagram server that bound no path of
/// their own get no reply: there is no address to send it to.
/// </summary>
public abstract class DatagramRequestHandler : RequestHandler
{
    private byte[] _data = [];

    /// <summary>The datagram's bytes (socketserver's <c>self.packet</c>), there from
    /// <see cref="RequestHandler.SetupAsync"/> on; never longer than the server's
    /// <c>MaxPacketSize</c>, since larger datagrams are dropped before any handler runs.</summary>
    protected byte[] Data => _data;

    /// <summary>The datagram comes with Setup (plain data, so the handler may live in a worker
    /// process), not by asking for it: no round trip before user code runs.</summary>
    private protected override void OnSetup(Setup setup) => _data = setup.Datagram ?? [];

    private protected override void OnRequestOver() => _data = [];

    /// <summary>The datagram as UTF-8 text; throws <see cref="InvalidDataException"/> (naming the
    /// client) when it is not valid UTF-8.</summary>
    protected string Text => TextDecoding.Decode(_data, ClientAddress);

    /// <summary>Appends <paramref name="data"/> to the reply (<c>wfile.write</c>). Writing zero
    /// bytes still makes the reply an (empty) datagram.</summary>
    protected Task WriteAsync(ReadOnlyMemory<byte> data)
    {
        do // chunks stay small enough to cross from a worker process in one remoting frame
        {
            var chunk = data[..Math.Min(data.Length, ConnectionContract.MaxChunk)];
            Connection.Tell(new Write(chunk.ToArray()), Self);
            data = data[chunk.Length..];
        }
        while (data.Length > 0);
        return Task.CompletedTask;
    }

    /// <summary>Appends <paramref name="text"/> as UTF-8 to the reply.</summary>
    protected Task WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends what was written so far as one datagram now and waits until the kernel has
    /// it; later writes make the next datagram. Throws <see cref="ConnectionLostException"/>
    /// when it could not be sent.</summary>
    protected async Task SendNowAsync() => await AskConnectionAsync(Flush.Instance);

    /// <summary>Appends <paramref name="data"/> and sends the reply so far as one datagram now.</summary>
    protected async Task SendNowAsync(ReadOnlyMemory<byte> data)
    {
        await WriteAsync(data);
        await SendNowAsync();
    }
}
