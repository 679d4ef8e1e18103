using System.Net;
using System.Net.Sockets;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Units;

/// <summary>Who may be served: the allow and deny lists, then VerifyRequest.</summary>
[Collection(UnitsCollection.Name)]
public class AdmissionUnitTests
{
    private static readonly IPEndPoint Inside = IPEndPoint.Parse("10.1.2.3:4000");
    private static readonly IPEndPoint Outside = IPEndPoint.Parse("192.0.2.1:4000");

    private static ServerOptions Lists(string[] allow, string[] deny) => ServerOptions.Tcp() with
    {
        Allow = [.. allow.Select(IPNetwork.Parse)],
        Deny = [.. deny.Select(IPNetwork.Parse)],
    };

    [Fact]
    public void Without_lists_every_client_is_admitted()
    {
        Assert.Null(Admission.Refusal(new ServerOptions(), ServerHooks.Default, Inside));
        Assert.Null(Admission.Refusal(new ServerOptions(), ServerHooks.Default, Outside));
    }

    [Fact]
    public void An_allow_list_admits_only_its_networks()
    {
        var options = Lists(["10.0.0.0/8", "172.16.0.0/12"], []);
        Assert.Null(Admission.Refusal(options, ServerHooks.Default, Inside));
        Assert.Null(Admission.Refusal(options, ServerHooks.Default, IPEndPoint.Parse("172.16.0.9:1"))); // any of them
        Assert.Equal("not in the allow list", Admission.Refusal(options, ServerHooks.Default, Outside));
    }

    [Fact]
    public void The_deny_list_refuses_even_what_the_allow_list_admits()
    {
        var options = Lists(["10.0.0.0/8"], ["192.0.2.0/24", "10.1.0.0/16"]);
        Assert.Equal("in the deny list", Admission.Refusal(options, ServerHooks.Default, Inside));
        Assert.Null(Admission.Refusal(options, ServerHooks.Default, IPEndPoint.Parse("10.2.0.1:1")));
        Assert.Equal("in the deny list", Admission.Refusal(Lists([], ["192.0.2.0/24"]), ServerHooks.Default, Outside));
        Assert.Null(Admission.Refusal(Lists([], ["192.0.2.0/24"]), ServerHooks.Default, Inside));
    }

    [Fact]
    public void An_ipv4_client_on_a_dual_stack_socket_is_judged_by_its_ipv4_address()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("10.1.2.3").MapToIPv6(), 4000);
        Assert.Equal("in the deny list", Admission.Refusal(Lists([], ["10.0.0.0/8"]), ServerHooks.Default, mapped));
        Assert.Null(Admission.Refusal(Lists(["10.0.0.0/8"], []), ServerHooks.Default, mapped));
        Assert.Equal("in the deny list", Admission.Refusal(Lists([], ["2001:db8::/32"]), ServerHooks.Default, IPEndPoint.Parse("[2001:db8::5]:1")));
    }

    [Fact]
    public void VerifyRequest_judges_what_the_lists_admitted_including_unix_clients()
    {
        var seen = new List<EndPoint>();
        var hooks = new RecordingHooks { Verify = client => { seen.Add(client); return client.Equals(Inside); } };
        Assert.Null(Admission.Refusal(new ServerOptions(), hooks, Inside));
        Assert.Equal("refused by VerifyRequest", Admission.Refusal(new ServerOptions(), hooks, Outside));
        Assert.Equal("not in the allow list", Admission.Refusal(Lists(["10.0.0.0/8"], []), hooks, Outside)); // the lists first
        var unix = new UnixDomainSocketEndPoint("/tmp/client.sock");
        Assert.Equal("refused by VerifyRequest", Admission.Refusal(Lists(["10.0.0.0/8"], []), hooks, unix)); // no address for the lists
        Assert.Equal([Inside, Outside, unix], seen);
    }

    [Fact]
    public void A_client_without_an_address_is_admitted_without_asking_VerifyRequest()
    {
        var hooks = new RecordingHooks { Verify = _ => throw new InvalidOperationException("not to be asked") };
        Assert.Null(Admission.Refusal(Lists(["10.0.0.0/8"], []), hooks, null));
    }

    [Fact]
    public void Describe_shows_the_address_or_nothing()
    {
        Assert.Equal("10.1.2.3:4000", Admission.Describe(Inside));
        Assert.Equal("", Admission.Describe(null));
    }
}

/// <summary>Whether the listener may take another request, and the runtime changes to it.</summary>
[Collection(UnitsCollection.Name)]
public class AcceptGateTests
{
    private static int Limit(AcceptGate gate) => Enumerable.Range(0, 100).FirstOrDefault(n => !gate.Admits(n), int.MaxValue);

    [Fact]
    public void A_new_limit_applies_at_once_and_null_lifts_it()
    {
        var gate = new AcceptGate(ServerOptions.Tcp() with { MaxConnections = 5 });
        Assert.Equal(5, gate.MaxConnections);
        Assert.Equal(5, Limit(gate));
        Assert.Null(gate.Apply(new SetMaxConnections(3)));
        Assert.Equal(3, gate.MaxConnections);
        Assert.True(gate.Admits(2));
        Assert.False(gate.Admits(3));
        Assert.Null(gate.Apply(new SetMaxConnections(1)));
        Assert.Equal(1, Limit(gate));
        Assert.Null(gate.Apply(new SetMaxConnections(null)));
        Assert.Null(gate.MaxConnections);
        Assert.Equal(int.MaxValue, Limit(gate));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    public void A_limit_under_one_is_refused_and_changes_nothing(int bad)
    {
        var gate = new AcceptGate(ServerOptions.Tcp() with { MaxConnections = 5 });
        var error = Assert.IsType<ArgumentException>(gate.Apply(new SetMaxConnections(bad)));
        Assert.Equal(nameof(ServerOptions.MaxConnections), error.ParamName);
        Assert.Contains($"must be at least 1, not {bad}", error.Message);
        Assert.Equal(5, gate.MaxConnections);
        Assert.Equal(5, Limit(gate));
    }

    [Fact]
    public void Suspending_admits_nothing_until_resumed_and_the_limit_stays()
    {
        var gate = new AcceptGate(ServerOptions.Tcp() with { MaxConnections = 2 });
        Assert.False(gate.Suspended);
        Assert.Null(gate.Apply(SuspendAccepting.Instance));
        Assert.True(gate.Suspended);
        Assert.False(gate.Admits(0));
        Assert.Null(gate.Apply(SuspendAccepting.Instance)); // twice: still suspended
        Assert.True(gate.Suspended);
        Assert.Null(gate.Apply(ResumeAccepting.Instance));
        Assert.False(gate.Suspended);
        Assert.Equal(2, Limit(gate));
    }

    [Theory]
    [InlineData(ServerMode.Sync, 0, 1)]      // one at a time, whatever MaxConnections says
    [InlineData(ServerMode.Forking, 3, 3)]   // max_children
    [InlineData(ServerMode.Threading, 3, int.MaxValue)] // max_children is the forking mode's only
    public void The_modes_own_limit_stays_under_any_limit_set_at_runtime(ServerMode mode, int maxChildren, int modeLimit)
    {
        var options = ServerOptions.Tcp(mode: mode);
        if (maxChildren > 0) options = options with { Forking = options.Forking with { MaxChildren = maxChildren } };
        var gate = new AcceptGate(options);
        Assert.Equal(modeLimit, Limit(gate));
        gate.Apply(new SetMaxConnections(50));
        Assert.Equal(Math.Min(50, modeLimit), Limit(gate));
        gate.Apply(new SetMaxConnections(2));
        Assert.Equal(Math.Min(2, modeLimit), Limit(gate));
    }

    [Fact]
    public void Anything_else_changes_nothing()
    {
        var gate = new AcceptGate(ServerOptions.Tcp() with { MaxConnections = 2 });
        Assert.Null(gate.Apply("resume, please"));
        Assert.Equal(2, gate.MaxConnections);
        Assert.False(gate.Suspended);
    }
}
