// RawEcho: the plain .NET reference echo server for bench/run.sh. Nothing but
// System.Net.Sockets and async/await: one accept loop that starts each connection's async
// Serve directly (no Task.Run hop, like ../shared/bench/raw) (stream)
// or one receive loop (UDP). It is what the runtime alone gives, the floor ActorSockets'
// overhead is measured against.
//
// usage: RawEcho [--one-shot] [--udp] [PORT]
//   --one-shot   stream: echo up to the first newline, then close (one request per connection)
//   --udp        echo each datagram back to its sender
//   PORT         0 (default) lets the kernel pick; also accepted as --port PORT
//   --mode M, --workers N are accepted and ignored, so RawEcho can stand in for the
//   Echo sample's command line (ECHO_CMD in bench/README.md).
// Binds 127.0.0.1 only and prints "LISTENING <port>" once bound. SIGTERM ends it.
using System.Net;
using System.Net.Sockets;

namespace RawEcho;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        bool oneShot = false, udp = false;
        int port = 0;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--one-shot": oneShot = true; break;
                case "--udp": udp = true; break;
                case "--port" when i + 1 < args.Length: port = int.Parse(args[++i]); break;
                case "--mode" or "--workers" when i + 1 < args.Length: i++; break;
                case "-h" or "--help":
                    Console.WriteLine("usage: RawEcho [--one-shot] [--udp] [PORT]");
                    return 0;
                default:
                    if (args[i].StartsWith('-') || !int.TryParse(args[i], out port))
                    {
                        Console.Error.WriteLine($"RawEcho: bad argument {args[i]}");
                        return 2;
                    }
                    break;
            }
        }
        return udp ? await RunUdp(port) : await RunStream(port, oneShot);
    }

    static async Task<int> RunStream(int port, bool oneShot)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);
        Console.WriteLine($"LISTENING {((IPEndPoint)listener.LocalEndPoint!).Port}");
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync();
            }
            catch (SocketException)
            {
                continue; // e.g. EMFILE or a connection reset before accept: keep serving
            }
            _ = Serve(client, oneShot); // runs inline to its first await, as ../shared/bench/raw does
        }
    }

    static async Task Serve(Socket s, bool oneShot)
    {
        s.NoDelay = true;
        var buf = new byte[4096];
        try
        {
            while (true)
            {
                int n = await s.ReceiveAsync(buf.AsMemory(), SocketFlags.None);
                if (n == 0)
                    break;
                int end = oneShot ? Array.IndexOf(buf, (byte)'\n', 0, n) : -1;
                int count = end >= 0 ? end + 1 : n;
                for (int sent = 0; sent < count;)
                    sent += await s.SendAsync(buf.AsMemory(sent, count - sent), SocketFlags.None);
                if (end >= 0)
                    break;
            }
            s.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            s.Dispose();
        }
    }

    static async Task<int> RunUdp(int port)
    {
        using var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        u.Bind(new IPEndPoint(IPAddress.Loopback, port));
        Console.WriteLine($"LISTENING {((IPEndPoint)u.LocalEndPoint!).Port}");
        var buf = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            try
            {
                var r = await u.ReceiveFromAsync(buf.AsMemory(), SocketFlags.None, any);
                await u.SendToAsync(buf.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint);
            }
            catch (SocketException)
            {
                // ICMP port unreachable from a client that went away: keep serving
            }
        }
    }
}
