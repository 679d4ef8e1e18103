using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorSockets.Tls;

/// <summary>
/// A TLS server's certificate and handshake settings. Each new connection asks
/// <see cref="Current"/>. From files, it compares the files' modification times with those it
/// loaded and reads them again when they changed, so a renewed certificate is served without a
/// restart; a file that does not load (half written) leaves the previous certificate in use, and
/// is tried again on the next connection. A certificate object or a store's is fixed. Safe to
/// call from any thread.
/// </summary>
internal sealed class ServerCertificate
{
    private readonly TlsOptions _options;
    private readonly X509Certificate2Collection? _ca;
    private readonly Lock _lock = new();
    private (DateTime Cert, DateTime Key) _stamp;
    private SslServerAuthenticationOptions _current;

    public ServerCertificate(TlsOptions options)
    {
        _options = options;
        _ca = options.Ca.Length > 0 ? LoadCa(options.Ca) : null;
        _stamp = Stamp();
        _current = Build(LoadDefault(options));
    }

    /// <summary>How long a client has to finish its handshake.</summary>
    public TimeSpan HandshakeTimeout => _options.HandshakeTimeout;

    /// <summary>The last reload that failed; null when the files loaded.</summary>
    public string? ReloadError { get; private set; }

    private string? _reportedError;

    /// <summary>The reload error if it was not reported yet, so a file that stays broken is
    /// logged once, not on every connection.</summary>
    public string? TakeNewReloadError()
    {
        lock (_lock)
        {
            if (ReloadError is null || ReloadError == _reportedError) return null;
            _reportedError = ReloadError;
            return ReloadError;
        }
    }

    /// <summary>The handshake settings for a new connection, with the certificate as it is on disk now.</summary>
    public SslServerAuthenticationOptions Current()
    {
        if (_options.Certificate.Length == 0) return _current; // not from files: nothing to reload
        var stamp = Stamp();
        lock (_lock)
        {
            if (stamp == _stamp) return _current;
            try
            {
                _current = Build(Load(_options));
                _stamp = stamp;
                ReloadError = _reportedError = null;
            }
            catch (ArgumentException e)
            {
                ReloadError = e.Message;
            }
            return _current;
        }
    }

    private (DateTime, DateTime) Stamp()
        => _options.Certificate.Length == 0 ? default : (File.GetLastWriteTimeUtc(_options.Certificate),
            _options.Key.Length > 0 ? File.GetLastWriteTimeUtc(_options.Key) : default);

    private SslServerAuthenticationOptions Build(X509Certificate2? certificate)
    {
        var intermediates = new X509Certificate2Collection();
        if (certificate is not null && _options.Certificate.Length > 0 && IsPem(_options.Certificate))
        {
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(_options.Certificate);
            foreach (var c in all)
                if (c.Thumbprint != certificate.Thumbprint) intermediates.Add(c);
        }
        var options = new SslServerAuthenticationOptions
        {
            EnabledSslProtocols = _options.Protocols,
            ClientCertificateRequired = _options.ClientCertificate != ClientCertificateMode.None,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        if (_options.ServerCertificateSelector is { } select)
            options.ServerCertificateSelectionCallback = (_, hostName) => select(hostName) ?? certificate
                ?? throw new AuthenticationException($"no certificate for host name '{hostName}'");
        else
            options.ServerCertificateContext = SslStreamCertificateContext.Create(certificate!, intermediates, offline: true);
        if (_options.ClientCertificate != ClientCertificateMode.None)
            options.RemoteCertificateValidationCallback = ValidateClient;
        return options;
    }

    private bool ValidateClient(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return _options.ClientCertificate == ClientCertificateMode.Optional;
        bool trusted = Chains(certificate, chain, errors);
        if (_options.ClientCertificateValidation is not { } decide) return trusted;
        var found = trusted ? SslPolicyErrors.None : errors == SslPolicyErrors.None ? SslPolicyErrors.RemoteCertificateChainErrors : errors;
        return decide(certificate as X509Certificate2 ?? new X509Certificate2(certificate), chain, found);
    }

    /// <summary>Whether a client's certificate chains to the configured CA, or to the system's roots without one.</summary>
    private bool Chains(X509Certificate certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_ca is null) return errors == SslPolicyErrors.None;
        using var own = new X509Chain();
        own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        own.ChainPolicy.CustomTrustStore.AddRange(_ca);
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements) own.ChainPolicy.ExtraStore.Add(element.Certificate);
        return own.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }

    /// <summary>The default certificate: from the files, the object, or the store; null when only a
    /// selector gives them. Throws <see cref="ArgumentException"/> naming the problem.</summary>
    public static X509Certificate2? LoadDefault(TlsOptions options)
        => options.Certificate.Length > 0 ? Load(options)
            : options.ServerCertificate ?? options.StoreCertificate?.Find();

    /// <summary>Reads the certificate with its private key; throws <see cref="ArgumentException"/>
    /// naming the file and what is wrong with it.</summary>
    public static X509Certificate2 Load(TlsOptions options)
    {
        var path = options.Certificate;
        if (!File.Exists(path)) throw TlsOptions.Bad(nameof(TlsOptions.Certificate), $"file '{path}' does not exist");
        if (options.Key.Length > 0 && !File.Exists(options.Key))
            throw TlsOptions.Bad(nameof(TlsOptions.Key), $"file '{options.Key}' does not exist");
        bool pem = IsPem(path);
        if (!pem && options.Key.Length > 0)
            throw TlsOptions.Bad(nameof(TlsOptions.Key), $"'{path}' is a PFX file, which holds its own key: leave key empty");
        X509Certificate2 certificate;
        try
        {
            if (!pem)
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.Password.Length > 0 ? options.Password : null);
            }
            else
            {
                var keyFile = options.Key.Length > 0 ? options.Key : path;
                certificate = options.Password.Length > 0
                    ? X509Certificate2.CreateFromEncryptedPemFile(path, options.Password, keyFile)
                    : X509Certificate2.CreateFromPemFile(path, keyFile);
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException) // ArgumentException: the key does not match
        {
            var what = options.Key.Length > 0 ? $"certificate '{path}' with key '{options.Key}'" : $"certificate '{path}'";
            throw TlsOptions.Bad(options.Key.Length > 0 ? nameof(TlsOptions.Key) : nameof(TlsOptions.Certificate),
                $"cannot load {what}: {e.Message.TrimEnd('.')} (a key that does not match the certificate, a wrong password, or not PEM/PFX)");
        }
        if (!certificate.HasPrivateKey)
            throw TlsOptions.Bad(nameof(TlsOptions.Key), $"certificate '{path}' has no private key: give the key file");
        return certificate;
    }

    /// <summary>The certificate authorities in a PEM file.</summary>
    public static X509Certificate2Collection LoadCa(string path)
    {
        if (!File.Exists(path)) throw TlsOptions.Bad(nameof(TlsOptions.Ca), $"file '{path}' does not exist");
        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            throw TlsOptions.Bad(nameof(TlsOptions.Ca), $"cannot read '{path}': {e.Message}");
        }
        if (ca.Count == 0) throw TlsOptions.Bad(nameof(TlsOptions.Ca), $"'{path}' holds no PEM certificate");
        return ca;
    }

    private static bool IsPem(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[1024];
        int n = file.Read(start);
        return System.Text.Encoding.ASCII.GetString(start[..n]).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}
