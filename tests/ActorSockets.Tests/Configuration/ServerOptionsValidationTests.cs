using System.Net;
using System.Net.Sockets;
using ActorSockets.Servers;
using ActorSockets.Tls;
using Xunit;
using ActorSockets.Tests.Support;

namespace ActorSockets.Tests.Configuration;

/// <summary><see cref="ServerOptions.Validate"/>: each setting's bounds, the value just inside
/// them passing and the value just outside failing with the setting's name.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ServerOptionsValidationTests
{
    private const string UnixPath = "/tmp/actorsockets-validate.sock";

    private static readonly Dictionary<string, (ServerOptions Options, string Setting, string Why)> Bad = new()
    {
        ["unknown kind"] = (ServerOptions.Tcp() with { Kind = (SocketKind)7 }, "Kind", "unknown kind 7"),
        ["unknown mode"] = (ServerOptions.Tcp() with { Mode = (ServerMode)9 }, "Mode", "unknown mode 9"),
        ["packet size 0"] = (ServerOptions.Udp() with { MaxPacketSize = 0 }, "MaxPacketSize", "between 1 and 65535 bytes"),
        ["udp packet over 65535"] = (ServerOptions.Udp() with { MaxPacketSize = 65536 }, "MaxPacketSize", "between 1 and 65535 bytes"),
        ["unix packet over 4 MiB"] = (ServerOptions.UnixDatagram(UnixPath) with { MaxPacketSize = 4 * 1024 * 1024 + 1 }, "MaxPacketSize", "between 1 and 4194304 bytes"),
        ["forking datagram over a chunk"] = (ServerOptions.UnixDatagram(UnixPath, ServerMode.Forking) with { MaxPacketSize = 64 * 1024 + 1 }, "MaxPacketSize", "at most 65536 bytes in forking mode"),
        ["socket mode on tcp"] = (ServerOptions.Tcp() with { UnixSocketMode = UnixFileMode.UserRead }, "UnixSocketMode", "applies only to a Unix socket path"),
        ["backlog 0"] = (ServerOptions.Tcp() with { Backlog = 0 }, "Backlog", "must be at least 1"),
        ["line length 0"] = (ServerOptions.Tcp() with { MaxLineLength = 0 }, "MaxLineLength", "must be at least 1"),
        ["write buffer 1023"] = (ServerOptions.Tcp() with { WriteBufferLimit = 1023 }, "WriteBufferLimit", "must be at least 1024 bytes"),
        ["read timeout 0"] = (ServerOptions.Tcp() with { ReadTimeout = TimeSpan.Zero }, "ReadTimeout", "must be positive"),
        ["max connections 0"] = (ServerOptions.Tcp() with { MaxConnections = 0 }, "MaxConnections", "must be at least 1"),
        ["idle timeout 0"] = (ServerOptions.Tcp() with { IdleTimeout = TimeSpan.Zero }, "IdleTimeout", "must be positive"),
        ["first byte timeout 0"] = (ServerOptions.Tcp() with { FirstByteTimeout = TimeSpan.Zero }, "FirstByteTimeout", "must be positive"),
        ["request deadline 0"] = (ServerOptions.Tcp() with { RequestDeadline = TimeSpan.Zero }, "RequestDeadline", "must be positive"),
        ["negative timeout"] = (ServerOptions.Tcp() with { Timeout = TimeSpan.FromTicks(-1) }, "Timeout", "must not be negative"),
        ["service interval 0"] = (ServerOptions.Tcp() with { ServiceInterval = TimeSpan.Zero }, "ServiceInterval", "must be positive"),
        ["negative drain"] = (ServerOptions.Tcp() with { DrainTimeout = TimeSpan.FromTicks(-1) }, "DrainTimeout", "must not be negative"),
        ["forking workers negative"] = (ServerOptions.Tcp(mode: ServerMode.Forking) with { Forking = new() { Workers = -1 } }, "Forking.Workers", "must not be negative"),
        ["tls on a datagram server"] = (ServerOptions.Udp() with { Tls = new TlsOptions { Certificate = "server.pem" } }, "Tls.Certificate", "TLS needs a stream server"),
        ["tls without a certificate"] = (ServerOptions.Tcp() with { Tls = new TlsOptions { Certificate = "" } }, "Tls.Certificate", "a certificate file is required"),
        ["unknown proxy mode"] = (ServerOptions.Tcp() with { ProxyProtocol = (ProxyProtocolMode)5 }, "ProxyProtocol", "unknown mode 5"),
        ["proxy on udp"] = (ServerOptions.Udp() with { ProxyProtocol = ProxyProtocolMode.Optional }, "ProxyProtocol", "only to TCP stream servers"),
        ["proxy on unix"] = (ServerOptions.UnixStream(UnixPath) with { ProxyProtocol = ProxyProtocolMode.On }, "ProxyProtocol", "only to TCP stream servers"),
        ["proxy timeout 0"] = (ServerOptions.Tcp() with { ProxyProtocolTimeout = TimeSpan.Zero }, "ProxyProtocolTimeout", "must be positive"),
        ["proxy on, no one trusted"] = (ServerOptions.Tcp() with { ProxyProtocol = ProxyProtocolMode.On }, "ProxyProtocolTrusted", "names no peer"),
        ["proxy optional, no one trusted"] = (ServerOptions.Tcp() with { ProxyProtocol = ProxyProtocolMode.Optional }, "ProxyProtocolTrusted", "names no peer"),
    };

    public static TheoryData<string> BadCases() => [.. Bad.Keys];

    [Theory]
    [MemberData(nameof(BadCases))]
    public void A_setting_out_of_bounds_is_named_with_why(string name)
    {
        var (options, setting, why) = Bad[name];
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(setting, error.ParamName);
        Assert.StartsWith($"Invalid server setting '{setting}': ", error.Message);
        Assert.Contains(why, error.Message);
    }

    private static readonly Dictionary<string, ServerOptions> Good = new()
    {
        ["the defaults"] = new ServerOptions(),
        ["port 65535"] = ServerOptions.Tcp(port: 65535),
        ["unix stream"] = ServerOptions.UnixStream(UnixPath),
        ["packet size 1"] = ServerOptions.Udp() with { MaxPacketSize = 1 },
        ["udp packet 65535"] = ServerOptions.Udp() with { MaxPacketSize = 65535 },
        ["unix packet 4 MiB"] = ServerOptions.UnixDatagram(UnixPath) with { MaxPacketSize = 4 * 1024 * 1024 },
        ["forking datagram of a chunk"] = ServerOptions.UnixDatagram(UnixPath, ServerMode.Forking) with { MaxPacketSize = 64 * 1024 },
        ["threading datagram over a chunk"] = ServerOptions.UnixDatagram(UnixPath) with { MaxPacketSize = 64 * 1024 + 1 },
        ["forking stream with a large packet size"] = ServerOptions.Tcp(mode: ServerMode.Forking) with { MaxPacketSize = 65535 },
        ["socket mode on unix"] = ServerOptions.UnixStream(UnixPath) with { UnixSocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite },
        ["backlog 1"] = ServerOptions.Tcp() with { Backlog = 1 },
        ["line length 1"] = ServerOptions.Tcp() with { MaxLineLength = 1 },
        ["write buffer 1024"] = ServerOptions.Tcp() with { WriteBufferLimit = 1024 },
        ["timeouts of a tick"] = ServerOptions.Tcp() with
        {
            ReadTimeout = TimeSpan.FromTicks(1), IdleTimeout = TimeSpan.FromTicks(1), FirstByteTimeout = TimeSpan.FromTicks(1),
            RequestDeadline = TimeSpan.FromTicks(1), ServiceInterval = TimeSpan.FromTicks(1), ProxyProtocolTimeout = TimeSpan.FromTicks(1),
        },
        ["max connections 1"] = ServerOptions.Tcp() with { MaxConnections = 1 },
        ["zero timeout and drain"] = ServerOptions.Tcp() with { Timeout = TimeSpan.Zero, DrainTimeout = TimeSpan.Zero },
        ["bad forking options outside forking mode"] = ServerOptions.Tcp() with { Forking = new() { Workers = -1 } },
        ["proxy protocol on tcp"] = ServerOptions.Tcp() with { ProxyProtocol = ProxyProtocolMode.On, ProxyProtocolTrusted = [IPNetwork.Parse("10.0.0.0/8")] },
        ["optional proxy protocol trusting any peer"] = ServerOptions.Tcp() with { ProxyProtocol = ProxyProtocolMode.Optional, ProxyProtocolTrusted = ServerOptions.AnyPeer },
    };

    public static TheoryData<string> GoodCases() => [.. Good.Keys];

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var options = new ServerOptions();
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0), options.Endpoint);
        Assert.Equal((SocketKind.Stream, ServerMode.Threading, 512, (bool?)null, false), (options.Kind, options.Mode, options.Backlog, options.ReuseAddress, options.ReusePort));
        Assert.True(options.NoDelay);      // request/response protocols suffer from Nagle's delay
        Assert.True(options.BlockOnClose); // socketserver's block_on_close
        Assert.False(options.DualMode);
        Assert.Equal((65536, 262144, 8192), (options.MaxLineLength, options.WriteBufferLimit, options.MaxPacketSize));
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)),
            (options.ServiceInterval, options.DrainTimeout, options.ProxyProtocolTimeout));
        Assert.Equal(ProxyProtocolMode.Off, options.ProxyProtocol);
        Assert.All(new TimeSpan?[] { options.ReadTimeout, options.IdleTimeout, options.FirstByteTimeout, options.RequestDeadline, options.Timeout }, Assert.Null);
        Assert.Null(options.MaxConnections);
        Assert.Empty(options.Allow);
        Assert.Empty(options.Deny);
        Assert.Empty(options.ProxyProtocolTrusted); // no peer may rewrite its address until the operator names the balancers
    }

    [Fact]
    public void The_factories_set_address_kind_and_mode()
    {
        Assert.Equal((new IPEndPoint(IPAddress.Parse("10.0.0.1"), 7), SocketKind.Stream, ServerMode.Sync),
            Of(ServerOptions.Tcp("10.0.0.1", 7, ServerMode.Sync)));
        Assert.Equal((new IPEndPoint(IPAddress.Parse("::1"), 8), SocketKind.Datagram, ServerMode.Forking),
            Of(ServerOptions.Udp("::1", 8, ServerMode.Forking)));
        var unix = ServerOptions.UnixDatagram(UnixPath, ServerMode.Sync);
        Assert.Equal((UnixPath, SocketKind.Datagram, ServerMode.Sync), (unix.Endpoint.ToString(), unix.Kind, unix.Mode));
        Assert.Equal(SocketKind.Stream, ServerOptions.UnixStream(UnixPath).Kind);

        static (EndPoint, SocketKind, ServerMode) Of(ServerOptions o) => (o.Endpoint, o.Kind, o.Mode);
    }

    [Theory]
    [MemberData(nameof(GoodCases))]
    public void A_setting_at_its_bound_passes(string name) => Good[name].Validate();
}
