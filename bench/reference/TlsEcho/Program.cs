// TlsEcho: the plain .NET TLS reference echo server for bench/run.sh's TLS workloads.
// Nothing but System.Net.Sockets, SslStream and async/await: one accept loop, one Task per
// connection, which does the handshake and echoes. It is what the runtime alone gives over
// TLS, the floor ActorSockets' TLS overhead is measured against.
//
// usage: TlsEcho --tls-cert CERT.pem --tls-key KEY.pem [--one-shot] [PORT]
//   --one-shot   echo up to the first newline, then close (one request per connection)
//   --port PORT, --mode M are accepted (--mode ignored), like RawEcho
// Binds 127.0.0.1 only and prints "LISTENING <port>" once bound. SIGTERM ends it.
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace TlsEcho;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        bool oneShot = false;
        int port = 0;
        string? cert = null, key = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--one-shot": oneShot = true; break;
                case "--tls-cert" when i + 1 < args.Length: cert = args[++i]; break;
                case "--tls-key" when i + 1 < args.Length: key = args[++i]; break;
                case "--port" when i + 1 < args.Length: port = int.Parse(args[++i]); break;
                case "--mode" or "--workers" when i + 1 < args.Length: i++; break;
                default:
                    if (args[i].StartsWith('-') || !int.TryParse(args[i], out port))
                    {
                        Console.Error.WriteLine($"TlsEcho: bad argument {args[i]}");
                        return 2;
                    }
                    break;
            }
        }
        if (cert is null || key is null)
        {
            Console.Error.WriteLine("usage: TlsEcho --tls-cert CERT.pem --tls-key KEY.pem [--one-shot] [PORT]");
            return 2;
        }
        var certificate = X509Certificate2.CreateFromPemFile(cert, key);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, null, offline: true),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };

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
                continue;
            }
            _ = Task.Run(() => Serve(client, options, oneShot));
        }
    }

    static async Task Serve(Socket s, SslServerAuthenticationOptions options, bool oneShot)
    {
        s.NoDelay = true;
        var buf = new byte[4096];
        try
        {
            await using var tls = new SslStream(new NetworkStream(s, ownsSocket: false));
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                await tls.AuthenticateAsServerAsync(options, timeout.Token);
            while (true)
            {
                int n = await tls.ReadAsync(buf);
                if (n == 0) break;
                int end = oneShot ? Array.IndexOf(buf, (byte)'\n', 0, n) : -1;
                int count = end >= 0 ? end + 1 : n;
                await tls.WriteAsync(buf.AsMemory(0, count));
                if (end >= 0) break;
            }
            await tls.ShutdownAsync();
            s.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException
                                      or System.Security.Authentication.AuthenticationException or OperationCanceledException) { }
        finally
        {
            s.Dispose();
        }
    }
}
