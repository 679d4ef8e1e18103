using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorSockets.CommandLine;
using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Service;

/// <summary>A successor takes Echo's listening socket over (<c>--take-over</c>) while clients keep
/// coming: no client may see a refused connection, a reset or a missing reply.</summary>
[Collection(ServiceProcesses.Name)]
public class TakeOverTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);
    private readonly string _control = UnixPaths.New();

    [Theory]
    [InlineData("oneshot", "Threading")]
    [InlineData("pingpong", "Threading")]
    [InlineData("oneshot", "Forking")]
    public async Task A_take_over_under_load_refuses_resets_and_loses_nothing(string load, string mode)
    {
        string[] args = ["--port", "0", "--mode", mode, "--workers", "1", "--control-socket", _control];
        var (old, port) = await StartEchoAsync(args);
        using var _ = old;
        await ControlSocketOpenAsync();
        using var clients = LoadClient.Start(load, port, clients: 4);
        await clients.Started.Within(Long, "the load's first reply");

        var switching = Stopwatch.StartNew();
        var (successor, successorPort) = await StartEchoAsync([.. args, "--take-over", _control]);
        using var __ = successor;
        Assert.Equal(port, successorPort); // the same port, printed the same way
        Assert.Equal(0, await old.WaitForExitAsync(Long));
        var switched = switching.Elapsed;
        var counts = await clients.StopAsync();

        var drained = Regex.Match(old.Stderr, @"drained in ([\d.]+) s").Groups[1].Value;
        output.WriteLine($"{load}/{mode}: {counts} during {switched.TotalSeconds:F1} s; the old process drained in {drained} s");
        Assert.True(counts.Requests > 0, counts.ToString());
        Assert.Equal((0, 0, 0, 0), (counts.Refused, counts.Resets, counts.Lost, counts.Others));
        Assert.Equal("hello", await Launcher.TcpRoundTripAsync(port, "hello", TimeSpan.FromSeconds(10))); // the successor serves
        Assert.Equal(0, await successor.StopAsync(Long));
    }

    /// <summary>Starts Echo and waits for its port longer than <see cref="SampleProcess.StartAsync(string, string[])"/>
    /// does: a forking listener and its worker start slowly on a loaded machine.</summary>
    private static async Task<(SampleProcess, int)> StartEchoAsync(string[] args)
    {
        var echo = SampleProcess.Launch("Echo", args);
        await Eventually.Until(() => echo.Stdout.Contains('\n'), Long, $"Echo's LISTENING line; stderr: {echo.Stderr}");
        var line = echo.Stdout.Trim();
        Assert.StartsWith("LISTENING ", line);
        return (echo, int.Parse(line["LISTENING ".Length..]));
    }

    [Fact]
    public async Task A_successor_that_fails_before_it_is_ready_leaves_the_old_process_serving()
    {
        using var old = await SampleProcess.StartAsync("Echo", "--port", "0", "--control-socket", _control);
        await ControlSocketOpenAsync();

        // A TCP socket for a UDP server: the successor's configuration does not fit what it took.
        using var broken = SampleProcess.Launch("Echo", "--udp", "--port", "0", "--take-over", _control);
        Assert.Equal(2, await broken.WaitForExitAsync(Long));
        StderrAssert.OneCleanLine(broken.Stderr);
        await old.WaitForStderrAsync("failed before it was ready; still serving", Long);

        Assert.Equal("still here", await Launcher.TcpRoundTripAsync(old.Port, "still here", TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await old.StopAsync());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_control_socket_is_its_users_alone()
    {
        using var old = await SampleProcess.StartAsync("Echo", "--port", "0", "--control-socket", _control);
        await ControlSocketOpenAsync();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_control));

        // Another uid cannot even connect (nobody, where the test may switch to it).
        var (exit, stdout, stderr) = await RunAsNobodyAsync(
            "import socket, sys\ntry:\n socket.socket(socket.AF_UNIX).connect(sys.argv[1]); print('connected')\nexcept PermissionError: print('refused')", _control);
        if (exit == 0) Assert.Equal("refused", stdout.Trim());
        else output.WriteLine($"could not run a client as another uid: {stderr}");

        // The credential check: a peer of this process's uid is known by its pid and uid.
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var path = UnixPaths.New();
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        using var peer = listener.Accept();
        File.Delete(path);
        Assert.Equal((Environment.ProcessId, ControlSocket.OwnUid), ControlSocket.PeerCredentials(peer));
        Assert.Equal(0, await old.StopAsync());
    }

    private static async Task<(int, string, string)> RunAsNobodyAsync(string code, string path)
    {
        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", code, path }) info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().Within(TimeSpan.FromSeconds(30), "a client as nobody");
            return (process.ExitCode, await stdout, await stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", e.Message); // no setpriv here
        }
    }

    /// <summary>The control socket listens just after LISTENING (a successor's only once its
    /// predecessor let go). Its file exists from the bind, before its mode is set: wait for the listen.</summary>
    private Task ControlSocketOpenAsync() => Eventually.Until(() => UnixPaths.IsListening(_control), TimeSpan.FromSeconds(30), "the control socket");

    public void Dispose() => File.Delete(_control);

    /// <summary>tests/clients/takeover_load.py: clients that count what a switch could break.</summary>
    private sealed class LoadClient : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string> _counts = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private LoadClient(Process process) => _process = process;

        public Task Started => _started.Task;

        public static LoadClient Start(string load, int port, int clients)
        {
            var info = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "clients", "takeover_load.py"), load, port.ToString(), clients.ToString() })
                info.ArgumentList.Add(arg);
            var client = new LoadClient(new Process { StartInfo = info });
            client._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data == "started") client._started.TrySetResult();
                else if (e.Data is { Length: > 0 } line) client._counts.TrySetResult(line);
            };
            client._process.Start();
            client._process.BeginOutputReadLine();
            return client;
        }

        /// <summary>Closes the clients' stdin (they stop) and returns what they counted.</summary>
        public async Task<Counts> StopAsync()
        {
            _process.StandardInput.Close();
            var n = (await _counts.Task.Within(TimeSpan.FromSeconds(60), "the load's counts")).Split(' ').Select(long.Parse).ToArray();
            return new Counts(n[0], n[1], n[2], n[3], n[4], n[5]);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }
    }

    private sealed record Counts(long Connections, long Requests, long Refused, long Resets, long Lost, long Others);
}
