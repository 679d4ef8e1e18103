using ActorSockets.Handlers;
using ActorSockets.Servers;
using ActorSockets.Tests.Support;
using Akka.Actor;
using Xunit;

namespace ActorSockets.Tests.Limits;

/// <summary>Which limiter a request's failure counts against: its server's.</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public class ErrorReportLimiterPerServerTests
{
    [Fact]
    public void Each_server_has_its_own_limiter()
    {
        var request = new RequestInfo("203.0.113.1:5", "127.0.0.1:9", "handler-1", ActorRefs.Nobody);
        var limiter = ErrorReportLimiter.For(request);
        Assert.Same(limiter, ErrorReportLimiter.For(request with { HandlerName = "handler-2", ClientAddress = "x" }));
        Assert.NotSame(limiter, ErrorReportLimiter.For(request with { Server = new RecordingRef("server") }));
    }
}
