using Akka.Configuration;

namespace ActorSockets.Tests.Support;

/// <summary>
/// Akka TestKit's time factor: <c>AKKA_TEST_TIMEFACTOR</c> (default 1) scales every TestKit
/// expectation (<c>ExpectMsg</c>, <c>AwaitAssert</c>, ...). <c>.ci/run</c> sets it on a loaded CI
/// machine, where forking tests start worker processes beside other collections.
/// </summary>
public static class TestTime
{
    public static double Factor { get; } =
        double.TryParse(Environment.GetEnvironmentVariable("AKKA_TEST_TIMEFACTOR"),
            System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f) && f >= 1 ? f : 1;

    /// <summary>The HOCON line that gives TestKit the factor.</summary>
    public static string Hocon => $"akka.test.timefactor = {Factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary><paramref name="config"/> with the time factor on top.</summary>
    public static Config With(Config config) => ConfigurationFactory.ParseString(Hocon).WithFallback(config);
}
