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

    /// <summary>Whether a socket at <paramref name="path"/> is listening, read from the kernel's
    /// table (<c>/proc/net/unix</c>, flag <c>__SO_ACCEPTCON</c>) so that no connection is made:
    /// the file appears at bind, before the server has set its mode and listens.</summary>
    public static bool IsListening(string path)
    {
        const int AcceptCon = 0x10000;
        foreach (var line in File.ReadLines("/proc/net/unix").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 8 && fields[7] == path && (Convert.ToInt32(fields[3], 16) & AcceptCon) != 0) return true;
        }
        return false;
    }
}
