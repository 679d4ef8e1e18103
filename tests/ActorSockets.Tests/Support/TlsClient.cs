using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ActorSockets.Tests.Support;

/// <summary>A .NET SslStream client that trusts any server certificate (the Python tests check trust).</summary>
public sealed class TlsClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _ssl;
    private readonly StreamReader _reader;

    private TlsClient(TcpClient tcp, SslStream ssl)
    {
        _tcp = tcp;
        _ssl = ssl;
        _reader = new StreamReader(ssl, Encoding.UTF8);
    }

    /// <summary>Connects and shakes hands asking for <paramref name="hostName"/> (SNI), showing
    /// <paramref name="clientCertificate"/> when the server asks for one; any server certificate is accepted.</summary>
    public static async Task<TlsClient> ConnectAsync(int port, string hostName = "localhost",
        System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = hostName,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            }).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            await ssl.DisposeAsync();
            tcp.Dispose();
            throw;
        }
        return new TlsClient(tcp, ssl);
    }

    /// <summary>SHA-256 of the certificate the server presented.</summary>
    public string ServerThumbprint => _ssl.RemoteCertificate!.GetCertHashString(HashAlgorithmName.SHA256);

    public async Task<string> RequestLineAsync(string line)
    {
        await _ssl.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        return await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? "<end of stream>";
    }

    public async ValueTask DisposeAsync()
    {
        await _ssl.DisposeAsync();
        _tcp.Dispose();
    }
}
