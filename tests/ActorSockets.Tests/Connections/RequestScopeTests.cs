using ActorSockets.Connections;
using ActorSockets.Handlers;
using ActorSockets.Metrics;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;
using static ActorSockets.Metrics.ActorSocketsMetrics;

namespace ActorSockets.Tests.Connections;

/// <summary>The request scope's rules, which every path shares: the metrics close once, the
/// error.type is the handler's failure over a limit's, and nothing is recorded after the end.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class RequestScopeTests
{
    private readonly string _name = $"scope-{Guid.NewGuid():N}";
    private readonly RecordingHooks _hooks = new();
    private static readonly RequestInfo Request = new("client", "server", "handler", ActorRefs.Nobody);

    private ServerContext Settings() => new(new ServerOptions(), _hooks, new ChildHandlerPlacement(Props.Empty))
    {
        Metrics = new ServerMetrics(_name, "tcp"),
    };

    /// <summary>A scope begun on a fresh server's settings.</summary>
    private (ServerContext Settings, RequestScope Scope) Begun()
    {
        var settings = Settings();
        var scope = new RequestScope();
        scope.Begin(settings.Metrics);
        return (settings, scope);
    }

    [Fact]
    public void The_end_closes_the_metrics_once_and_later_steps_record_nothing()
    {
        using var metrics = new MetricsCollector(_name);
        var (settings, scope) = Begun();
        scope.Begin(settings.Metrics); // a hand-off tried again keeps its first start
        Assert.True(scope.End(settings, unfinished: null));
        Assert.False(scope.End(settings, ServerMetrics.ErrorAborted));
        scope.Fail(settings, Request, new InvalidOperationException("late"), new CapturingLog(), ActorRefs.Nobody);
        scope.Abandon(settings, Request, ServerEvent.IdleTimeout, "late", new CapturingLog(), ServerMetrics.ErrorAborted);

        Assert.Equal(1, metrics.Count(ConnectionDuration));
        Assert.Equal(1, metrics.Count(ConnectionDuration, ErrorTypeTag, null));
        Assert.Equal((0, 2), (metrics.Sum(ActiveConnections), metrics.Count(ActiveConnections)));
        Assert.Empty(_hooks.Errors);
        Assert.Equal(0, settings.Counters.Snapshot(0, null, false).IdleTimeouts);
    }

    [Fact]
    public void A_handler_failure_is_reported_and_outranks_a_limit_in_the_error_type()
    {
        using var metrics = new MetricsCollector(_name);
        var (settings, scope) = Begun();
        scope.Abandon(settings, Request, ServerEvent.IdleTimeout, "idle", new CapturingLog(), ServerMetrics.ErrorAborted);
        scope.Fail(settings, Request, new InvalidOperationException("boom"), new CapturingLog(), ActorRefs.Nobody);
        scope.End(settings, unfinished: ServerMetrics.ErrorAborted);

        Assert.Equal("boom", Assert.Single(_hooks.Errors).Error.Message);
        Assert.Equal(1, settings.Counters.Snapshot(0, null, false).IdleTimeouts);
        Assert.Equal(1, metrics.Count(ConnectionDuration, ErrorTypeTag, ServerMetrics.ErrorHandler));
    }

    [Fact]
    public void A_restarted_handler_is_reported_without_failing_the_request()
    {
        using var metrics = new MetricsCollector(_name);
        var (settings, scope) = Begun();
        scope.Fail(settings, Request, new InvalidOperationException("once"), new CapturingLog(), ActorRefs.Nobody, errorType: null);
        Assert.False(scope.Failed);
        scope.End(settings, unfinished: null);

        Assert.Single(_hooks.Errors);
        Assert.Equal(1, metrics.Count(ConnectionDuration, ErrorTypeTag, null));
    }

    [Fact]
    public void A_scope_that_never_began_closes_no_metrics()
    {
        using var metrics = new MetricsCollector(_name);
        var settings = Settings();
        var scope = new RequestScope(); // a datagram request: no connection metrics
        Assert.True(scope.End(settings, ServerMetrics.ErrorAborted));
        Assert.Equal(0, metrics.Count(ConnectionDuration));
        Assert.Equal(0, metrics.Count(ActiveConnections));
    }
}
