using System.Security.Cryptography.X509Certificates;

namespace ActorSockets.Tls;

/// <summary>
/// A server certificate in an X.509 certificate store (on Linux, .NET's own store under the
/// user's home; on Windows, the system's), found by <see cref="Thumbprint"/> or by
/// <see cref="Subject"/>. It must hold its private key. Looked up once, when the server starts.
/// </summary>
public sealed record StoreCertificate
{
    /// <summary>The store; <see cref="StoreName.My"/> (personal certificates) by default.</summary>
    public StoreName StoreName { get; init; } = StoreName.My;

    /// <summary>The user's store or the machine's; the user's by default.</summary>
    public StoreLocation Location { get; init; } = StoreLocation.CurrentUser;

    /// <summary>The certificate's SHA-1 thumbprint in hex (as the store lists it); or empty, with <see cref="Subject"/>.</summary>
    public string Thumbprint { get; init; } = "";

    /// <summary>A subject name (e.g. <c>example.com</c>): of the matching certificates valid now
    /// and holding a key, the one valid longest is taken (a renewed one over the old one); or
    /// empty, with <see cref="Thumbprint"/>.</summary>
    public string Subject { get; init; } = "";

    /// <summary>Finds the certificate; throws <see cref="ArgumentException"/> (ParamName
    /// <c>Tls.StoreCertificate</c>) saying what was looked for and where.</summary>
    internal X509Certificate2 Find()
    {
        if ((Thumbprint.Length > 0) == (Subject.Length > 0))
            throw Bad("give either a thumbprint or a subject");
        var where = $"{Location}/{StoreName}";
        using var store = new X509Store(StoreName, Location);
        try
        {
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw Bad($"cannot open the store {where}: {e.Message}");
        }
        var now = DateTime.Now;
        var found = Thumbprint.Length > 0
            ? store.Certificates.Find(X509FindType.FindByThumbprint, Thumbprint.Replace(" ", "").Replace(":", ""), validOnly: false).Cast<X509Certificate2>()
            : store.Certificates.Find(X509FindType.FindBySubjectName, Subject, validOnly: false).Cast<X509Certificate2>()
                .Where(c => c.NotBefore <= now && now <= c.NotAfter);
        var what = Thumbprint.Length > 0 ? $"thumbprint {Thumbprint}" : $"subject '{Subject}' valid now";
        var certificate = found.OrderByDescending(c => c.HasPrivateKey).ThenByDescending(c => c.NotAfter).FirstOrDefault()
            ?? throw Bad($"no certificate with {what} in the store {where}");
        if (!certificate.HasPrivateKey) throw Bad($"the certificate with {what} in the store {where} has no private key");
        return certificate;
    }

    private static ArgumentException Bad(string why) => TlsOptions.Bad(nameof(TlsOptions.StoreCertificate), why);
}
