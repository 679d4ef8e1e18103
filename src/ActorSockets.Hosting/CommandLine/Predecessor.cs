using ActorSockets.Forking;

namespace ActorSockets.CommandLine;

/// <summary>
/// <c>--take-over PATH</c>: the link to the running server this process replaces. Connecting
/// takes its listening socket (a descriptor received over <c>SCM_RIGHTS</c>); once this process
/// accepts on it, <see cref="TellReady"/> tells the predecessor to stop accepting. Disposing the
/// link before that, however this process fails, leaves the predecessor serving.
/// </summary>
internal sealed class Predecessor : IDisposable
{
    private readonly DescriptorChannel _link;

    private Predecessor(DescriptorChannel link, int descriptor) => (_link, Descriptor) = (link, descriptor);

    /// <summary>The listening socket taken over.</summary>
    public int Descriptor { get; }

    /// <summary>Connects to the control socket at <paramref name="path"/> and receives the listening socket.</summary>
    /// <exception cref="IOException">No server listens there, or it sent no socket.</exception>
    public static Predecessor Connect(string path)
    {
        DescriptorChannel link;
        try
        {
            link = DescriptorChannel.Connect(path);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException($"Cannot take over from {path}: {e.Message}", e);
        }
        int descriptor = -1;
        try
        {
            while (link.Receive(type => type == ControlSocket.SocketFrame, out _, out var type, out _, out var fd))
            {
                if (type == ControlSocket.SocketFrame)
                {
                    DescriptorChannel.CloseDescriptor(descriptor); // one server per command line: the last one wins
                    descriptor = fd;
                }
                else if (type == ControlSocket.EndFrame)
                {
                    if (descriptor < 0) break;
                    return new Predecessor(link, descriptor);
                }
            }
            throw new IOException($"Cannot take over from {path}: the server there sent no listening socket");
        }
        catch
        {
            DescriptorChannel.CloseDescriptor(descriptor);
            link.Dispose();
            throw;
        }
    }

    /// <summary>This process accepts: the predecessor stops accepting and drains. Returns once it
    /// closed the link, which it does after freeing its control socket's path.</summary>
    public void TellReady()
    {
        _link.Send(ControlSocket.ReadyFrame, []);
        while (_link.Receive(_ => false, out _, out _, out _, out _)) { }
    }

    public void Dispose() => _link.Dispose();
}
