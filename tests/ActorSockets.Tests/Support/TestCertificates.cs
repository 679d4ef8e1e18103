using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorSockets.Tests.Support;

/// <summary>
/// Certificates made at test time in a temporary directory (no key is ever committed): a CA,
/// a server certificate it signed (for 127.0.0.1 and localhost), a client certificate it
/// signed, and a self-signed client certificate no CA vouches for. Deleted on dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "actorsockets-tls-" + Guid.NewGuid().ToString("N")[..8]);
    public string CaPem => Path.Combine(Directory, "ca.pem");
    public string ServerCert => Path.Combine(Directory, "server.pem");
    public string ServerKey => Path.Combine(Directory, "server.key");
    public string ServerPfx => Path.Combine(Directory, "server.pfx");
    public string ClientCert => Path.Combine(Directory, "client.pem");
    public string ClientKey => Path.Combine(Directory, "client.key");
    public string StrangerCert => Path.Combine(Directory, "stranger.pem");
    public string StrangerKey => Path.Combine(Directory, "stranger.key");

    private readonly X509Certificate2 _ca;

    public TestCertificates()
    {
        System.IO.Directory.CreateDirectory(Directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=ActorSockets Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(CaPem, _ca.ExportCertificatePem());
        WriteServer("CN=localhost");
        var client = Issue("CN=test-client", server: false);
        WritePem(client, ClientCert, ClientKey);
        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var stranger = new CertificateRequest("CN=stranger", strangerKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        WritePem(stranger, StrangerCert, StrangerKey);
    }

    /// <summary>Writes a new server certificate (and key, and PFX) over the old files; returns its SHA-256 thumbprint.</summary>
    public string WriteServer(string subject)
    {
        var server = Issue(subject, server: true);
        // Written to a side file and moved in: a server reading mid-write never sees half a file.
        WritePem(server, ServerCert, ServerKey);
        File.WriteAllBytes(ServerPfx, server.Export(X509ContentType.Pkcs12, "secret"));
        return server.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>The SHA-256 thumbprint of the certificate in <paramref name="pemPath"/>, as a handler sees a client's.</summary>
    public static string Thumbprint(string pemPath)
        => X509Certificate2.CreateFromPem(File.ReadAllText(pemPath)).GetCertHashString(HashAlgorithmName.SHA256);

    private X509Certificate2 Issue(string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static void WritePem(X509Certificate2 certificate, string certPath, string keyPath)
    {
        var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath + ".new", key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath + ".new", certificate.ExportCertificatePem());
        File.Move(keyPath + ".new", keyPath, overwrite: true);
        File.Move(certPath + ".new", certPath, overwrite: true);
    }

    public void Dispose()
    {
        _ca.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
