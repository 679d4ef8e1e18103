using System.Net;
using System.Net.Sockets;
using ActorSockets.Configuration;
using ActorSockets.Hosting;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Xunit;

namespace ActorSockets.Tests.Configuration;

public class ServerConfigTests
{
    private static Config Hocon(string text) => ConfigurationFactory.ParseString(text);

    [Fact]
    public void The_reference_configuration_gives_the_same_defaults_as_ServerOptions()
    {
        var read = ServerConfig.Read(Config.Empty, "plain");
        var expected = new ServerOptions();
        Assert.Equal(expected, read with { Allow = expected.Allow, Deny = expected.Deny, ProxyProtocolTrusted = expected.ProxyProtocolTrusted });
        Assert.Empty(read.Allow);
        Assert.Empty(read.Deny);
        Assert.Empty(read.ProxyProtocolTrusted);
    }

    [Fact]
    public void A_server_section_overrides_the_defaults_which_override_the_reference()
    {
        var config = Hocon("""
            actorsockets.server-defaults { backlog = 100, mode = sync, drain-timeout = 3s }
            actorsockets.servers.a { backlog = 7, port = 9123, read-timeout = 250ms, max-line-length = 4KiB, allow = ["10.0.0.0/8", "::1/128"],
                                     max-connections = 100, idle-timeout = 2m, first-byte-timeout = 5s, request-deadline = 1h }
            actorsockets.servers.u { unix-path = "/tmp/u.sock", kind = datagram, timeout = 0s, block-on-close = off }
            """);
        var a = ServerConfig.Read(config, "a");
        Assert.Equal(7, a.Backlog);
        Assert.Equal(ServerMode.Sync, a.Mode);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9123), a.Endpoint);
        Assert.Equal(TimeSpan.FromMilliseconds(250), a.ReadTimeout);
        Assert.Equal(4096, a.MaxLineLength);
        Assert.Equal(TimeSpan.FromSeconds(3), a.DrainTimeout);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("::1/128")], a.Allow);
        Assert.Equal((100, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(5), TimeSpan.FromHours(1)),
            (a.MaxConnections, a.IdleTimeout, a.FirstByteTimeout, a.RequestDeadline));

        var b = ServerConfig.Read(config, "b"); // no section of its own: the defaults
        Assert.Equal(100, b.Backlog);
        Assert.Equal(ServerMode.Sync, b.Mode);
        Assert.Null(b.ReadTimeout);
        Assert.Equal((null, null, null, null), (b.MaxConnections, b.IdleTimeout, b.FirstByteTimeout, b.RequestDeadline));

        var u = ServerConfig.Read(config, "u");
        Assert.Equal(new UnixDomainSocketEndPoint("/tmp/u.sock").ToString(), u.Endpoint.ToString());
        Assert.Equal(SocketKind.Datagram, u.Kind);
        Assert.Equal(TimeSpan.Zero, u.Timeout);
        Assert.False(u.BlockOnClose);
    }

    [Fact]
    public void Options_set_in_code_win_over_HOCON_which_fills_the_rest()
    {
        var config = Hocon("actorsockets.servers.echo { mode = sync, backlog = 50, port = 9100 }");
        var server = new HostedServer("echo", Props.Empty, o => o with { Mode = ServerMode.Threading, NoDelay = false }, null, null);
        var options = server.Resolve(config);
        Assert.Equal(ServerMode.Threading, options.Mode); // code wins
        Assert.False(options.NoDelay);                     // code only
        Assert.Equal(50, options.Backlog);                 // HOCON only
        Assert.Equal(9100, ((IPEndPoint)options.Endpoint).Port);
    }

    [Fact]
    public void Invalid_options_set_in_code_name_the_server_and_the_property()
    {
        var server = new HostedServer("echo", Props.Empty, o => o with { Backlog = 0 }, null, null);
        var error = Assert.Throws<ServerConfigurationException>(() => server.Resolve(Config.Empty));
        Assert.Equal("actorsockets.servers.echo", error.Setting);
        Assert.Contains("Backlog", error.Message);
    }

    [Theory]
    [InlineData("mode = sideways", "mode", "'sideways' is not a mode (expected one of: sync, threading")]
    [InlineData("mode = 1", "mode", "is not a mode")]
    [InlineData("kind = raw", "kind", "'raw' is not a kind")]
    [InlineData("backlog = -5", "backlog", "must be at least 1")]
    [InlineData("backlog = many", "backlog", "'many' is not an integer")]
    [InlineData("max-line-length = -1", "max-line-length", "must be at least 1")]
    [InlineData("write-buffer-limit = 12", "write-buffer-limit", "at least 1024 bytes")]
    [InlineData("drain-timeout = -2s", "drain-timeout", "'-2s' is not a duration")]
    [InlineData("read-timeout = soon", "read-timeout", "'soon' is not a duration")]
    [InlineData("service-interval = 0s", "service-interval", "must be positive")]
    [InlineData("max-connections = 0", "max-connections", "must be at least 1")]
    [InlineData("max-connections = lots", "max-connections", "'lots' is not an integer or off")]
    [InlineData("idle-timeout = 0s", "idle-timeout", "must be positive")]
    [InlineData("first-byte-timeout = later", "first-byte-timeout", "'later' is not a duration")]
    [InlineData("request-deadline = 0s", "request-deadline", "must be positive")]
    [InlineData("port = 70000", "port", "70000 is outside 0..65535")]
    [InlineData("port = -1", "port", "-1 is outside 0..65535")]
    [InlineData("host = \"not-an-ip\"", "host", "'not-an-ip' is not an IP address")]
    [InlineData("allow = [\"10.0.0.0/33\"]", "allow", "'10.0.0.0/33' is not a CIDR network")]
    [InlineData("deny = [\"10.0.0.1/8\"]", "deny", "'10.0.0.1/8' is not a CIDR network")]
    [InlineData("no-delay = maybe", "no-delay", "'maybe' is not on/off")]
    [InlineData("backlogg = 5", "backlogg", "unknown setting (known: host, port,")]
    public void Each_invalid_setting_fails_with_a_message_naming_its_full_path(string setting, string key, string why)
        => AssertRejected($"actorsockets.servers.echo {{ {setting} }}", key, why);

    /// <summary>Reading server <c>echo</c> from <paramref name="hocon"/> fails naming
    /// <c>actorsockets.servers.echo.</c><paramref name="key"/>, for <paramref name="why"/>.</summary>
    internal static ServerConfigurationException AssertRejected(string hocon, string key, string why)
    {
        var error = Assert.Throws<ServerConfigurationException>(() => ServerConfig.Read(Hocon(hocon), "echo"));
        Assert.Equal($"actorsockets.servers.echo.{key}", error.Setting);
        Assert.StartsWith($"Invalid setting actorsockets.servers.echo.{key}: ", error.Message);
        Assert.Contains(why, error.Message);
        return error;
    }

    [Fact]
    public void A_bad_default_is_reported_for_the_server_that_inherits_it()
    {
        var error = Assert.Throws<ServerConfigurationException>(
            () => ServerConfig.Read(Hocon("actorsockets.server-defaults.mode = sideways"), "echo"));
        Assert.Equal("actorsockets.servers.echo.mode", error.Setting);
        Assert.Contains("(inherited from actorsockets.server-defaults)", error.Message);

        var unknown = Assert.Throws<ServerConfigurationException>(
            () => ServerConfig.Read(Hocon("actorsockets.server-defaults.prot = 1"), "echo"));
        Assert.Equal("actorsockets.server-defaults.prot", unknown.Setting);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dotted.name")]
    [InlineData("-leading")]
    public void Server_names_must_be_plain(string name)
        => Assert.Throws<ArgumentException>(() => ServerConfig.Read(Config.Empty, name));

    [Fact]
    public void The_documented_reference_lists_every_key_with_a_comment_and_is_what_the_library_embeds()
    {
        var path = Path.Combine(SampleProcess.RepoRoot(), "hocon", "reference.conf");
        var text = File.ReadAllText(path);
        var parsed = ConfigurationFactory.ParseString(text);
        var keys = Leaves(parsed.GetConfig(ActorSocketsConfig.DefaultsPath).Root, "").ToList();
        Assert.Equal(ServerConfig.Keys.Order(), keys.Order());

        var lines = text.Split('\n');
        foreach (var key in ServerConfig.Keys)
        {
            // A nested key ("forking.workers") is looked for inside its group's block.
            var parts = key.Split('.');
            var from = parts.Length == 1 ? 0 : Array.FindIndex(lines, l => l.TrimStart().StartsWith(parts[0] + " {"));
            var at = from < 0 ? -1 : Array.FindIndex(lines, from, l => l.TrimStart().StartsWith(parts[^1] + " ="));
            Assert.True(at > 0 && lines[at - 1].TrimStart().StartsWith('#'), $"{key} has no comment above it in reference.conf");
        }
        Assert.Equal(parsed.ToString(), ActorSocketsConfig.Reference.ToString());
    }

    /// <summary>Every setting under <paramref name="value"/>, nested ones dotted ("forking.workers").</summary>
    private static IEnumerable<string> Leaves(Akka.Configuration.Hocon.HoconValue value, string prefix)
        => value.GetObject().Items.SelectMany(item => item.Value.IsObject()
            ? Leaves(item.Value, $"{prefix}{item.Key}.")
            : [prefix + item.Key]);

    [Fact]
    public void The_two_servers_example_reads_as_documented()
    {
        var config = ActorSocketsConfig.LoadFile(Path.Combine(SampleProcess.RepoRoot(), "hocon", "examples", "two-servers.conf"));
        var echo = ServerConfig.Read(config, "echo");
        var upper = ServerConfig.Read(config, "upper");
        Assert.Equal(9000, ((IPEndPoint)echo.Endpoint).Port);
        Assert.Equal(ServerMode.Threading, echo.Mode);
        Assert.Equal(ServerMode.Sync, upper.Mode);
        Assert.Equal(TimeSpan.FromSeconds(30), upper.ReadTimeout);
        Assert.Equal(4096, upper.MaxLineLength);
        Assert.All([echo, upper], o => Assert.Equal(TimeSpan.FromSeconds(10), o.DrainTimeout));
        Assert.All([echo, upper], o => Assert.Equal([IPNetwork.Parse("10.0.0.0/8")], o.Deny));
    }

    [Fact]
    public void A_missing_or_malformed_file_is_a_clear_error()
    {
        var missing = Assert.Throws<ServerConfigurationException>(() => ActorSocketsConfig.LoadFile("/nonexistent/x.conf"));
        Assert.Contains("/nonexistent/x.conf", missing.Message);

        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "actorsockets.servers.echo.port = ${no.such.setting}");
            var malformed = Assert.Throws<ServerConfigurationException>(() => ActorSocketsConfig.LoadFile(file));
            Assert.Contains("not valid HOCON", malformed.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
