using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorSockets.Tests.Support;

/// <summary>systemd's own launcher, <c>systemd-socket-activate</c> (Debian's systemd package):
/// it binds, then on the first client execs the program with the socket as descriptor 3 and
/// <c>LISTEN_FDS</c>/<c>LISTEN_PID</c> set, as a <c>.socket</c> unit does.</summary>
public static class Launcher
{
    public const string Program = "systemd-socket-activate";

    /// <summary>Starts sample <paramref name="name"/> under the launcher on 127.0.0.1:<paramref name="port"/>
    /// and waits until the launcher listens; the sample itself starts with the first client.</summary>
    public static async Task<SampleProcess> ActivateAsync(string name, int port, bool datagram, params string[] args)
    {
        var sample = SampleProcess.Launch(name, info =>
        {
            info.FileName = Program;
            string[] launcher = datagram ? ["--datagram", "-l", $"127.0.0.1:{port}", "dotnet"] : ["-l", $"127.0.0.1:{port}", "dotnet"];
            for (int i = 0; i < launcher.Length; i++) info.ArgumentList.Insert(i, launcher[i]);
        }, args);
        await sample.WaitForStderrAsync("Listening on", TimeSpan.FromSeconds(30));
        return sample;
    }

    /// <summary>One line over TCP, answered before <paramref name="within"/> (the server may still be starting).</summary>
    public static async Task<string> TcpRoundTripAsync(int port, string line, TimeSpan within)
    {
        using var cancel = new CancellationTokenSource(within);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancel.Token);
        await client.SendAsync(Encoding.ASCII.GetBytes(line + "\n"), cancel.Token);
        var answer = new StringBuilder();
        var buffer = new byte[256];
        while (!answer.ToString().EndsWith('\n'))
        {
            int n = await client.ReceiveAsync(buffer, cancel.Token);
            if (n == 0) break;
            answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return answer.ToString().TrimEnd('\n');
    }

    /// <summary>One datagram over UDP, answered before <paramref name="within"/>.</summary>
    public static async Task<string> UdpRoundTripAsync(int port, string text, TimeSpan within)
    {
        using var cancel = new CancellationTokenSource(within);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendToAsync(Encoding.ASCII.GetBytes(text), new IPEndPoint(IPAddress.Loopback, port), cancel.Token);
        var buffer = new byte[256];
        int n = await client.ReceiveAsync(buffer, cancel.Token);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
