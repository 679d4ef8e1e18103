using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Limits;

/// <summary>Whether the listener may take another request, and the runtime changes to it.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
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
