using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Service;

/// <summary>Echo started by systemd's launcher takes the socket it is given instead of binding.</summary>
[Collection(ServiceProcesses.Name)]
public class SocketActivationTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60); // the first client waits while dotnet starts

    [Theory]
    [InlineData("Threading")]
    [InlineData("Forking")]
    public async Task Echo_serves_tcp_on_the_socket_systemd_socket_activate_passes(string mode)
    {
        int port = TestHost.FreePort();
        using var echo = await Launcher.ActivateAsync("Echo", port, datagram: false, "--mode", mode, "--workers", "1");

        Assert.Equal("hello", await Launcher.TcpRoundTripAsync(port, "hello", Start));
        await Eventually.Until(() => echo.Stdout.Contains("LISTENING"), Start, "LISTENING");
        Assert.Equal($"LISTENING {port}", echo.Stdout.Trim());
        Assert.Equal("again", await Launcher.TcpRoundTripAsync(port, "again", Start));
        Assert.Equal(0, await echo.StopAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Echo_serves_udp_on_the_datagram_socket_systemd_socket_activate_passes()
    {
        int port = TestHost.FreePort();
        using var echo = await Launcher.ActivateAsync("Echo", port, datagram: true, "--udp");

        Assert.Equal("hello", await Launcher.UdpRoundTripAsync(port, "hello", Start));
        await Eventually.Until(() => echo.Stdout.Contains("LISTENING"), Start, "LISTENING");
        Assert.Equal($"LISTENING {port}", echo.Stdout.Trim());
        Assert.Equal(0, await echo.StopAsync());
    }

    [Fact]
    public async Task A_udp_socket_passed_to_a_tcp_server_is_one_line_and_exit_2()
    {
        int port = TestHost.FreePort();
        using var echo = await Launcher.ActivateAsync("Echo", port, datagram: true);

        using (var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp))
            client.SendTo("wake up"u8, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)); // starts it
        Assert.Equal(2, await echo.WaitForExitAsync(Start));
        var own = string.Join('\n', echo.Stderr.Split('\n').Where(l => !IsLaunchers(l)));
        StderrAssert.OneCleanLine(own);
        Assert.Contains("descriptor 3 is a UDP socket, but the server is configured for TCP", own);
        Assert.Equal("", echo.Stdout);
    }

    private static bool IsLaunchers(string line)
        => line.StartsWith("Listening on", StringComparison.Ordinal) || line.StartsWith("Communication attempt", StringComparison.Ordinal)
           || line.StartsWith("Execing", StringComparison.Ordinal);
}

/// <summary>Which passed descriptor a server takes, from the variables alone.</summary>
public class SocketActivationParsingTests
{
    [Fact]
    public void Variables_for_another_pid_or_without_a_count_pass_nothing()
    {
        Assert.Empty(SocketActivation.Parse("41", "2", null, ownPid: 42));
        Assert.Empty(SocketActivation.Parse(null, "2", null, ownPid: 42));
        Assert.Empty(SocketActivation.Parse("42", "0", null, ownPid: 42));
        Assert.Empty(SocketActivation.Parse("42", "x", null, ownPid: 42));
    }

    [Fact]
    public void Descriptors_start_at_3_with_their_names_where_given()
    {
        var passed = SocketActivation.Parse("42", "3", "web:echo", ownPid: 42);
        Assert.Equal([new(3, "web"), new(4, "echo"), new(5, "")], passed);
    }

    [Fact]
    public void A_server_takes_the_descriptor_named_after_it_else_the_next_one_in_order()
    {
        var passed = SocketActivation.Parse("42", "3", "web:echo:", ownPid: 42);
        var taken = new Dictionary<string, int>();
        Assert.Equal(4, SocketActivation.Claim(passed, taken, "echo"));
        Assert.Equal(3, SocketActivation.Claim(passed, taken, "other"));
        Assert.Equal(4, SocketActivation.Claim(passed, taken, "echo")); // asked again: the same one
        Assert.Equal(5, SocketActivation.Claim(passed, taken, "third"));
        Assert.Null(SocketActivation.Claim(passed, taken, "fourth"));
    }

    [Fact]
    public void A_descriptor_of_another_kind_is_an_invalid_setting()
    {
        using var udp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        int fd = (int)udp.SafeHandle.DangerousGetHandle();
        var error = Assert.Throws<ArgumentException>(() => (ServerOptions.Tcp() with { ListenDescriptor = fd }).Validate());
        Assert.Contains("is a UDP socket, but the server is configured for TCP", error.Message);
        (ServerOptions.Udp() with { ListenDescriptor = fd }).Validate();
    }
}
