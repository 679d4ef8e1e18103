using ActorSockets.Nodes;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.DistributedData;
using Xunit;

namespace ActorSockets.Tests.Nodes;

/// <summary>What a handler uses on a listener node, in one node made as the command line makes
/// it (ClusterNode.Config, Join): the replicator with majority writes, a shard region, pub/sub.</summary>
public class SharedStateTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60 * TestTime.Factor);

    private sealed class Counter : ReceiveActor
    {
        private int _count;

        public Counter() => Receive<string>(_ => Sender.Tell(++_count));
    }

    [Fact]
    public async Task A_node_gives_the_replicator_a_shard_region_and_pub_sub_without_addresses()
    {
        using var system = ActorSystem.Create("actorsockets", TestTime.With(ClusterNode.Config(new ClusterNodeOptions { Enabled = true })));
        try
        {
            Assert.True(ClusterNode.IsNode(system));
            var up = new TaskCompletionSource();
            Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
            Assert.StartsWith("akka.tcp://actorsockets@127.0.0.1:", ClusterNode.Join(system));
            await up.Task.Within(Deadline, "the node to be up");

            var key = new LWWRegisterKey<string>("greeting");
            var cluster = Cluster.Get(system);
            var write = await system.Replicator().Ask(Dsl.Update(key, new LWWRegister<string>(cluster.SelfUniqueAddress, ""),
                new WriteMajority(TimeSpan.FromSeconds(5)), r => r.WithValue(cluster.SelfUniqueAddress, "hello")), Deadline);
            Assert.IsType<UpdateSuccess>(write);
            var read = await system.Replicator().Ask<GetSuccess>(Dsl.Get(key, new ReadMajority(TimeSpan.FromSeconds(5))), Deadline);
            Assert.Equal("hello", read.Get(key).Value);

            var region = system.StartShardRegion("counters", Props.Create<Counter>(), message => message as string);
            Assert.Equal(1, await region.Ask<int>("a", Deadline));
            Assert.Equal(2, await system.ShardRegion("counters").Ask<int>("a", Deadline));
            Assert.Equal(1, await region.Ask<int>("b", Deadline));

            var probe = new TaskCompletionSource<object>();
            var subscriber = system.ActorOf(Props.Create(() => new Forward(probe)));
            await system.PubSub().Ask<SubscribeAck>(new Akka.Cluster.Tools.PublishSubscribe.Subscribe("news", subscriber), Deadline);
            system.PubSub().Tell(new Publish("news", "extra"));
            Assert.Equal("extra", await probe.Task.Within(Deadline, "the published message"));
        }
        finally
        {
            await system.Terminate();
        }
    }

    private sealed class Forward : ReceiveActor
    {
        public Forward(TaskCompletionSource<object> to) => ReceiveAny(m => to.TrySetResult(m));
    }
}
