using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using ActorSockets.Tls;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Security;

/// <summary>Counts its runs: a refused handshake must never start a handler.</summary>
public sealed class CountingWhoHandler : StreamRequestHandler
{
    public static int Runs;

    protected override async Task HandleAsync()
    {
        Interlocked.Increment(ref Runs);
        if (await ReadLineAsync() is { } line)
            await WriteAsync($"{line} cert={Request.ClientCertificateSubject ?? "none"}\n");
    }
}

/// <summary>TLS given from code: certificate objects, the certificate store, a selector by host
/// name (SNI), and a client-certificate callback; over real SslStream clients.</summary>
public class TlsFromCodeTests(ITestOutputHelper output) : ServerTestKit(output)
{
    /// <summary>A self-signed certificate with its key, for a server (with <paramref name="name"/>
    /// as its DNS name) or a client.</summary>
    private static X509Certificate2 SelfSigned(string name, bool server = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(name);
            request.CertificateExtensions.Add(names.Build());
        }
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12: a certificate whose key lives only in memory is not usable by every TLS back end.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    private static string Sha256(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    [Fact]
    public async Task Two_host_names_through_sni_get_two_certificates_and_an_unknown_one_the_default()
    {
        using var alpha = SelfSigned("alpha.test");
        using var beta = SelfSigned("beta.test");
        using var fallback = SelfSigned("default.test");
        var byHost = new Dictionary<string, X509Certificate2>(StringComparer.OrdinalIgnoreCase) { ["alpha.test"] = alpha, ["beta.test"] = beta };
        var server = await ServeAsync(ServerOptions.Tcp() with
        {
            Tls = new TlsOptions
            {
                ServerCertificate = fallback,
                ServerCertificateSelector = host => host is not null && byHost.TryGetValue(host, out var c) ? c : null,
            },
        }, Props.Create<WhoEchoHandler>());

        await using (var client = await TlsClient.ConnectAsync(server.Port, "alpha.test"))
        {
            Assert.Equal(Sha256(alpha), client.ServerThumbprint);
            Assert.Equal("to alpha", await client.RequestLineAsync("to alpha"));
        }
        await using (var client = await TlsClient.ConnectAsync(server.Port, "BETA.test"))
        {
            Assert.Equal(Sha256(beta), client.ServerThumbprint);
            Assert.Equal("to beta", await client.RequestLineAsync("to beta"));
        }
        await using (var client = await TlsClient.ConnectAsync(server.Port, "gamma.test"))
            Assert.Equal(Sha256(fallback), client.ServerThumbprint);
    }

    [Fact]
    public async Task A_selector_without_a_default_fails_only_the_handshake_for_an_unknown_host()
    {
        using var alpha = SelfSigned("alpha.test");
        var server = await ServeAsync(ServerOptions.Tcp() with
        {
            Tls = new TlsOptions { ServerCertificateSelector = host => host == "alpha.test" ? alpha : null },
        }, Props.Create<WhoEchoHandler>());
        await EventFilter.Info(contains: "no certificate for host name 'gamma.test'").ExpectOneAsync(Deadline, async () =>
            await Assert.ThrowsAnyAsync<Exception>(() => TlsClient.ConnectAsync(server.Port, "gamma.test")));
        await using var client = await TlsClient.ConnectAsync(server.Port, "alpha.test");
        Assert.Equal(Sha256(alpha), client.ServerThumbprint);
    }

    [Fact]
    public async Task A_client_certificate_the_callback_refuses_fails_the_handshake_is_logged_and_runs_no_handler()
    {
        using var serverCertificate = SelfSigned("localhost");
        using var allowed = SelfSigned("allowed", server: false);
        using var refused = SelfSigned("refused", server: false);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string Subject, SslPolicyErrors Errors)>();
        var server = await ServeAsync(ServerOptions.Tcp() with
        {
            Tls = new TlsOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificate = ClientCertificateMode.Required,
                // Pinned by thumbprint: self-signed, so the chain errors reported are ignored on purpose.
                ClientCertificateValidation = (certificate, _, errors) =>
                {
                    seen.Enqueue((certificate.Subject, errors));
                    return certificate.Thumbprint == allowed.Thumbprint;
                },
            },
        }, Props.Create<CountingWhoHandler>());
        CountingWhoHandler.Runs = 0;

        await EventFilter.Info(contains: "TLS handshake failed").ExpectOneAsync(Deadline, async () =>
        {
            // TLS 1.3 may finish the client's side before the server's verdict: the refusal then shows on the first read.
            try
            {
                await using var client = await TlsClient.ConnectAsync(server.Port, clientCertificate: refused);
                var answer = await client.RequestLineAsync("hello");
                Assert.Equal("<end of stream>", answer);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                Output.WriteLine("refused client: " + e.Message);
            }
        });
        await server.StatsWhenAsync(s => s.TlsHandshakeFailures == 1, "the refused handshake counted");
        Assert.Equal(0, CountingWhoHandler.Runs);

        await using (var client = await TlsClient.ConnectAsync(server.Port, clientCertificate: allowed))
            Assert.Equal("hello cert=CN=allowed", await client.RequestLineAsync("hello"));
        Assert.Equal(1, CountingWhoHandler.Runs);
        Assert.Contains(("CN=refused", SslPolicyErrors.RemoteCertificateChainErrors), seen); // no CA vouches for it: said so
    }

    [Fact]
    public async Task A_certificate_from_the_store_is_served_and_a_missing_one_named_at_start()
    {
        using var certificate = SelfSigned("store.test");
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        store.Add(certificate);
        try
        {
            var server = await ServeAsync(ServerOptions.Tcp() with
            {
                Tls = new TlsOptions { StoreCertificate = new StoreCertificate { Thumbprint = certificate.Thumbprint } },
            }, Props.Create<WhoEchoHandler>());
            await using (var client = await TlsClient.ConnectAsync(server.Port, "store.test"))
                Assert.Equal(Sha256(certificate), client.ServerThumbprint);
            var bySubject = new TlsOptions { StoreCertificate = new StoreCertificate { Subject = "store.test" } };
            bySubject.Validate();
        }
        finally
        {
            store.Remove(certificate);
        }
        var missing = Assert.Throws<ArgumentException>(() =>
            new TlsOptions { StoreCertificate = new StoreCertificate { Thumbprint = certificate.Thumbprint } }.Validate());
        Assert.Equal("Tls.StoreCertificate", missing.ParamName);
        Assert.Contains($"no certificate with thumbprint {certificate.Thumbprint} in the store CurrentUser/My", missing.Message);
    }

    [Fact]
    public void Objects_from_code_are_refused_in_forking_mode_and_mixed_sources_named()
    {
        using var certificate = SelfSigned("localhost");
        var forking = ServerOptions.Tcp() with { Mode = ServerMode.Forking, Tls = new TlsOptions { ServerCertificate = certificate } };
        var error = Assert.Throws<ArgumentException>(forking.Validate);
        Assert.Equal("Tls.ServerCertificate", error.ParamName);
        Assert.Contains("forking-mode workers", error.Message);

        (forking with { Forking = forking.Forking with { SocketHandoff = false } }).Validate(); // TLS stays in the listener: fine

        var selector = forking with { Tls = new TlsOptions { ServerCertificateSelector = _ => certificate } };
        Assert.Equal("Tls.ServerCertificateSelector", Assert.Throws<ArgumentException>(selector.Validate).ParamName);

        var both = new TlsOptions { ServerCertificate = certificate, StoreCertificate = new StoreCertificate { Subject = "x" } };
        Assert.Equal("Tls.Certificate", Assert.Throws<ArgumentException>(both.Validate).ParamName);

        var callbackWithoutClients = new TlsOptions { ServerCertificate = certificate, ClientCertificateValidation = (_, _, _) => true };
        Assert.Equal("Tls.ClientCertificateValidation", Assert.Throws<ArgumentException>(callbackWithoutClients.Validate).ParamName);
    }
}
