using System.Net;
using System.Net.Sockets;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Limits;

/// <summary>Who may be served: the allow and deny lists, then VerifyRequest.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
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
