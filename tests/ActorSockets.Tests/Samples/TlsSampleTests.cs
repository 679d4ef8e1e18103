using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

public class TlsSampleTests
{
    [Fact]
    public async Task Echo_serves_tls_with_tls_cert_and_tls_key()
    {
        using var certs = new TestCertificates();
        using var server = await SampleProcess.StartAsync("Echo", "--port", "0", "--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey);
        var (exit, stdout, stderr) = await Python.RunAsync("tls_client.py", server.Port.ToString(), certs.CaPem, "--line", "hello tls echo");
        Assert.True(exit == 0, stderr);
        Assert.Contains("\nhello tls echo\n", stdout);
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Echo_refuses_tls_for_udp_and_a_missing_key_file_with_exit_code_2()
    {
        using var certs = new TestCertificates();
        using (var udp = SampleProcess.Launch("Echo", "--udp", "--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey))
        {
            Assert.Equal(2, await udp.WaitForExitAsync());
            Assert.Contains("datagram", udp.Stderr);
        }
        using var missing = SampleProcess.Launch("Echo", "--tls-cert", certs.ServerCert, "--tls-key", "/nonexistent/key.pem");
        Assert.Equal(2, await missing.WaitForExitAsync());
        Assert.Contains("/nonexistent/key.pem", missing.Stderr);
    }
}
