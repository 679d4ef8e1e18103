using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

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
/// The server certificate comes from one of: files (<see cref="Certificate"/>, the HOCON and
/// command-line way: read again for new connections when a file changes on disk), an object
/// (<see cref="ServerCertificate"/>), a certificate store (<see cref="StoreCertificate"/>), or a
/// selector by host name (<see cref="ServerCertificateSelector"/>, over any of the others).
/// </summary>
/// <remarks>Forking mode hands each connection to a worker process, which makes its own TLS
/// stream from settings sent as data: files and <see cref="StoreCertificate"/> work there (read
/// by the worker), objects from code (<see cref="ServerCertificate"/>,
/// <see cref="ServerCertificateSelector"/>, <see cref="ClientCertificateValidation"/>) cannot
/// cross a process and fail the server's start with one line saying so, unless
/// <c>Forking.SocketHandoff</c> is off (TLS then runs in the listener, workers get plain bytes).</remarks>
public sealed record TlsOptions
{
    /// <summary>The server certificate: a PEM file (with <see cref="Key"/>, or holding the key
    /// itself) or a PFX/PKCS#12 file.</summary>
    public string Certificate { get; init; } = "";

    /// <summary>The PEM private key; empty when <see cref="Certificate"/> is a PFX or holds the key.</summary>
    public string Key { get; init; } = "";

    /// <summary>The PFX password, or the password of an encrypted PEM key; empty for none.</summary>
    public string Password { get; init; } = "";

    /// <summary>The server certificate, with its private key, made or loaded in code; instead of
    /// <see cref="Certificate"/>. Threading and sync modes.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>The server certificate from a certificate store, found once at start; instead of
    /// <see cref="Certificate"/>.</summary>
    public StoreCertificate? StoreCertificate { get; init; }

    /// <summary>Chooses the certificate for each connection from the host name the client asked
    /// for (SNI; null when it sent none), as Kestrel's <c>ServerCertificateSelector</c>. Called
    /// on the handshake's thread, for every handshake: keep it fast (a dictionary look-up) and
    /// thread-safe. Null from it serves the default certificate (<see cref="Certificate"/>,
    /// <see cref="ServerCertificate"/> or <see cref="StoreCertificate"/>); with no default, the
    /// handshake fails. Threading and sync modes.</summary>
    public Func<string?, X509Certificate2?>? ServerCertificateSelector { get; init; }

    /// <summary>Decides whether a client's certificate is accepted, as Kestrel's
    /// <c>ClientCertificateValidation</c>: called with the certificate, its chain, and
    /// <see cref="SslPolicyErrors.None"/> when the certificate chains to <see cref="Ca"/> (the
    /// system's roots when empty), else the errors found. False (or an exception) fails the
    /// handshake: the connection is closed, logged and counted, and no handler runs. Not called
    /// for a client without a certificate (<see cref="ClientCertificateMode.Optional"/> serves it).
    /// Needs <see cref="ClientCertificate"/> Optional or Required. Threading and sync modes.</summary>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? ClientCertificateValidation { get; init; }

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
        int sources = (Certificate.Length > 0 ? 1 : 0) + (ServerCertificate is null ? 0 : 1) + (StoreCertificate is null ? 0 : 1);
        if (sources == 0 && ServerCertificateSelector is null)
            throw Bad(nameof(Certificate), "a certificate file is required for TLS (or, from code, ServerCertificate, StoreCertificate or ServerCertificateSelector)");
        if (sources > 1)
            throw Bad(nameof(Certificate), "give one server certificate: a file, ServerCertificate or StoreCertificate (ServerCertificateSelector may add to any)");
        if (Certificate.Length == 0 && Key.Length > 0) throw Bad(nameof(Key), "is used only with a certificate file");
        if (ServerCertificate is { HasPrivateKey: false })
            throw Bad(nameof(ServerCertificate), $"'{ServerCertificate.Subject}' has no private key");
        if (!Enum.IsDefined(ClientCertificate)) throw Bad(nameof(ClientCertificate), $"unknown mode {ClientCertificate}");
        if (HandshakeTimeout <= TimeSpan.Zero) throw Bad(nameof(HandshakeTimeout), "must be positive");
        if (Ca.Length > 0 && ClientCertificate == ClientCertificateMode.None)
            throw Bad(nameof(Ca), "is used only with client-certificate = optional or required");
        if (ClientCertificateValidation is not null && ClientCertificate == ClientCertificateMode.None)
            throw Bad(nameof(ClientCertificateValidation), "is used only with ClientCertificate = Optional or Required (else no client sends one)");
        Tls.ServerCertificate.LoadDefault(this); // throws naming the file or store and the problem
        if (Ca.Length > 0) Tls.ServerCertificate.LoadCa(Ca);
    }

    /// <summary>The first setting that is an object from code, which a forking-mode worker (another
    /// process) cannot be given; null when every setting is data.</summary>
    internal string? FromCode()
        => ServerCertificate is not null ? nameof(ServerCertificate)
            : ServerCertificateSelector is not null ? nameof(ServerCertificateSelector)
            : ClientCertificateValidation is not null ? nameof(ClientCertificateValidation)
            : null;

    internal static ArgumentException Bad(string property, string why)
        => InvalidSetting.Error($"Tls.{property}", why);

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
