namespace ActorSockets.Tests.Support;

/// <summary>Unique, short Unix socket paths (the limit is about 107 bytes) in the temp folder.</summary>
public static class UnixPaths
{
    public static string New() => Path.Combine(Path.GetTempPath(), $"as-{Guid.NewGuid().ToString("N")[..12]}.sock");

    /// <summary>Leaves a socket file with no server behind it, as a crashed server would.
    /// Python does not unlink on close (.NET does), so it makes the stale file.</summary>
    public static async Task MakeStaleAsync(string path, bool datagram)
    {
        var type = datagram ? "SOCK_DGRAM" : "SOCK_STREAM";
        var (exit, _, stderr) = await Python.RunCodeAsync(
            $"import socket, sys; s = socket.socket(socket.AF_UNIX, socket.{type}); s.bind(sys.argv[1]); s.close()", path);
        if (exit != 0 || !File.Exists(path)) throw new InvalidOperationException($"could not make a stale socket at {path}: {stderr}");
    }
}
