using System.Security.Authentication;

namespace ActorSockets.Tls;

/// <summary>Whether a TLS server asks its clients for a certificate.</summary>
public enum ClientCertificateMode
{
    /// <summary>Not asked for.</summary>
    None,
    /// <summary>Asked for; a client without one is served, a client with a bad one is not.</summary>
    Optional,
    /// <summary>A client without a valid certificate is not served (its handshake fails).</summary>
    Required,
}

/// <summary>
/// TLS for a stream server (TCP or Unix), over <see cref="System.Net.Security.SslStream"/>.
/// The certificate is read again for new connections when its file changes on disk.
/// </summary>
public sealed record TlsOptions
{
    /// <summary>The server certificate: a PEM file (with <see cref="Key"/>, or holding the key
    /// itself) or a PFX/PKCS#12 file.</summary>
    public string Certificate { get; init; } = "";

    /// <summary>The PEM private key; empty when <see cref="Certificate"/> is a PFX or holds the key.</summary>
    public string Key { get; init; } = "";

    /// <summary>The PFX password, or the password of an encrypted PEM key; empty for none.</summary>
    public string Password { get; init; } = "";

    /// <summary>Whether clients are asked for a certificate.</summary>
    public ClientCertificateMode ClientCertificate { get; init; } = ClientCertificateMode.None;

    /// <summary>PEM file of the certificate authorities a client certificate must chain to;
    /// empty: the system's trusted roots.</summary>
    public string Ca { get; init; } = "";

    /// <summary>TLS versions allowed; <see cref="SslProtocols.None"/> lets the system choose.</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.None;

    /// <summary>A client that has not sent its ClientHello this long after the accept, or not finished
    /// its handshake this long after sending it, is closed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks the settings and loads the files once, so a missing file, a key that does
    /// not match, or a wrong password fails at start. Throws <see cref="ArgumentException"/>
    /// whose ParamName is <c>Tls.&lt;Property&gt;</c>.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Certificate)) throw Bad(nameof(Certificate), "a certificate file is required for TLS");
        if (!Enum.IsDefined(ClientCertificate)) throw Bad(nameof(ClientCertificate), $"unknown mode {ClientCertificate}");
        if (HandshakeTimeout <= TimeSpan.Zero) throw Bad(nameof(HandshakeTimeout), "must be positive");
        if (Ca.Length > 0 && ClientCertificate == ClientCertificateMode.None)
            throw Bad(nameof(Ca), "is used only with client-certificate = optional or required");
        ServerCertificate.Load(this); // throws naming the file and the problem
        if (Ca.Length > 0) ServerCertificate.LoadCa(Ca);
    }

    internal static ArgumentException Bad(string property, string why)
        => Servers.ServerOptions.Bad($"Tls.{property}", why);

    /// <summary>Parses "tls12, tls13" (empty: the system's choice).</summary>
    public static SslProtocols ParseProtocols(string text)
    {
        var result = SslProtocols.None;
        foreach (var part in text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            result |= part.ToLowerInvariant().Replace(".", "").Replace("v", "") switch
            {
                "tls12" => SslProtocols.Tls12,
                "tls13" => SslProtocols.Tls13,
                _ => throw Bad(nameof(Protocols), $"'{part}' is not a TLS version (tls12, tls13)"),
            };
        }
        return result;
    }
}
