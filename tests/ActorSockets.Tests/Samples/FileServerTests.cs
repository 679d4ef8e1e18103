using ActorSockets.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Samples;

/// <summary>
/// Seed 002's file server, driven by a client written from the seed's protocol
/// (clients/seed002_ftp_client.py). Each test gets its own folder: <c>dir/root</c> is the
/// server's --root, and nothing may appear in <c>dir</c> besides it.
/// </summary>
public sealed class FileServerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fileserver-").FullName;

    private string Root => Path.Combine(_dir, "root");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task Put_then_get_is_byte_exact_for_a_1MiB_an_empty_and_a_Chinese_named_file(string mode)
    {
        using var server = await StartAsync(mode);
        Assert.True(Directory.Exists(Path.Combine(Root, "upload")) && Directory.Exists(Path.Combine(Root, "download")),
            "the folders are created at start");
        await RunClientAsync(server, "roundtrip");
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task An_upload_cut_off_half_way_leaves_no_file_behind(string mode)
    {
        using var server = await StartAsync(mode);
        await RunClientAsync(server, "cutoff");
        await server.WaitForStderrAsync("put cut.bin from 127.0.0.1");
        await server.WaitForStderrAsync("connection closed after 524288 of 1048576 bytes; nothing kept");
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task Names_that_leave_the_folders_are_refused_and_nothing_is_written_outside(string mode)
    {
        using var server = await StartAsync(mode);
        await RunClientAsync(server, "traversal");
        Assert.Equal(["root"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName));
        Assert.Equal(["download", "upload"], Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "upload")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "download")));
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task The_maximum_file_size_is_enforced_before_receiving(string mode)
    {
        using var server = await StartAsync(mode, "--max-file-size", "1K");
        await RunClientAsync(server, "toolarge", "1024");
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>Threading mode only: sync mode serves one connection at a time, so two uploads
    /// cannot be in progress together there.</summary>
    [Theory]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task Two_concurrent_uploads_of_one_name_never_mix_and_the_last_complete_one_wins(string mode)
    {
        using var server = await StartAsync(mode);
        await RunClientAsync(server, "concurrent");
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>200 MiB up, then down to a client that waits a second before reading: without
    /// streaming on both sides (and backpressure on get) the server's memory would grow by the
    /// file's size, or its bounded write queue would fail the connection. In forking mode the
    /// listener and its worker are measured together.</summary>
    [Theory]
    [InlineData("sync")]
    [InlineData("threading")]
    [InlineData("forking")]
    public async Task A_200MiB_transfer_streams_through_with_bounded_server_memory(string mode)
    {
        const long MiB = 1024 * 1024;
        using var server = await StartAsync(mode);
        var before = SampleModes.ProcessTree(server.Pid).ToDictionary(pid => pid, pid => SampleModes.StatusBytes(pid, "VmRSS"));
        var summary = await RunClientAsync(server, "big", "200");
        long growth = before.Sum(p => SampleModes.StatusBytes(p.Key, "VmHWM") - p.Value);
        output.WriteLine(summary);
        output.WriteLine($"{before.Count} server process(es): RSS before {before.Values.Sum() / MiB} MiB, peak growth {growth / MiB} MiB");
        Assert.True(growth < 100 * MiB, $"server memory grew by {growth / MiB} MiB moving 200 MiB");
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_root_that_cannot_be_created_stops_the_server_with_a_clear_error()
    {
        using var server = SampleProcess.Launch("FileServer", "--port", "0", "--root", "/proc/no-such-dir/root");
        Assert.Equal(1, await server.WaitForExitAsync());
        Assert.Contains("Could not start serving", server.Stderr);
        Assert.Contains("/proc/no-such-dir/root", server.Stderr);
    }

    private Task<SampleProcess> StartAsync(string mode, params string[] extra)
        => SampleProcess.StartAsync("FileServer", ["--port", "0", .. SampleModes.Args(mode), "--root", Root, .. extra]);

    private async Task<string> RunClientAsync(SampleProcess server, string scenario, params string[] args)
    {
        var (exit, stdout, stderr) = await Python.RunAsync("seed002_ftp_client.py", [scenario, server.Port.ToString(), Root, .. args]);
        Assert.True(exit == 0, $"client failed:\n{stdout}\n{stderr}\nserver log:\n{server.Stderr}");
        return stdout;
    }
}
