using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Forking;

/// <summary>TLS in forking mode: the listener's connection actor keeps the TLS session (the relay
/// path) and the handler runs in a worker process on plain bytes.</summary>
[Collection(WorkerProcesses.Collection)]
public class ForkingTlsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_python_ssl_client_is_served_by_a_worker_process()
    {
        using var certs = new TestCertificates();
        using var server = await SampleProcess.StartAsync("ActorSockets.TestServer", "--mode", "forking", "--workers", "1",
            "--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey);
        var (exit, stdout, stderr) = await Python.RunAsync("tls_client.py", server.Port.ToString(), certs.CaPem,
            "--line", "over tls", "--line", "again");
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("PEER ", lines[0]);
        var pid = int.Parse(lines[1].Split(' ')[0]);
        Assert.Equal($"{pid} over tls", lines[1]);
        Assert.Equal($"{pid} again", lines[2]);
        Assert.NotEqual(server.Pid, pid); // a worker served it
        Assert.Equal(0, await server.StopAsync());
    }
}
