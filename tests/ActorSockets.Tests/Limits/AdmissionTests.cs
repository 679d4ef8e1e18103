using System.Net;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorSockets.Tests.Limits;

public class AdmissionTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public async Task A_denied_network_is_closed_without_a_handler_while_others_are_served()
    {
        var options = ServerOptions.Tcp() with { Deny = [IPNetwork.Parse("127.0.0.2/32")] };
        var server = await ServeAsync(options, Props.Create(() => new RecordingHandler(TestActor, false)));

        using (var denied = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2"))
        {
            await denied.SendAsync("let me in\n");
            Assert.True(await denied.IsClosedByServerAsync(), "the denied client is closed");
        }
        using var allowed = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.1");
        await allowed.SendAsync("hello\n");
        Assert.Equal("hello\n", await allowed.ReadLineAsync());
        Assert.Equal($"setup {allowed.Socket.LocalEndPoint}", ExpectMsg<string>()); // only the allowed one ran
    }

    [Fact]
    public async Task An_allow_list_admits_only_its_networks()
    {
        var options = ServerOptions.Tcp() with { Allow = [IPNetwork.Parse("127.0.0.2/32")] };
        var server = await ServeAsync(options, Props.Create<LineEchoHandler>());

        using var outsider = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.1");
        Assert.True(await outsider.IsClosedByServerAsync());
        using var insider = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2");
        await insider.SendAsync("hi\n");
        Assert.Equal("hi\n", await insider.ReadLineAsync());
    }

    [Fact]
    public async Task Verify_request_refuses_a_client_before_its_handler_runs()
    {
        var hooks = new RecordingHooks { Verify = client => ((IPEndPoint)client).Address.Equals(IPAddress.Parse("127.0.0.1")) };
        var server = await ServeAsync(ServerOptions.Tcp(), Props.Create(() => new RecordingHandler(TestActor, false)), hooks);

        using var refused = await TestClient.ConnectAsync(server.Port, fromAddress: "127.0.0.2");
        Assert.True(await refused.IsClosedByServerAsync());
        using var admitted = await TestClient.ConnectAsync(server.Port);
        await admitted.SendAsync("ok\n");
        Assert.Equal("ok\n", await admitted.ReadLineAsync());
        // The refused connection was taken (and closed) before this one was: had a handler run
        // for it, its setup would have reached the probe first.
        await ExpectMsgAsync($"setup {admitted.Socket.LocalEndPoint}");
    }
}
