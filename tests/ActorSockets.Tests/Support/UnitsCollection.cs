using Xunit;

namespace ActorSockets.Tests.Support;

/// <summary>
/// The unit tests' collection: its tests run one at a time (beside the other collections in an
/// ordinary run). A mutation run needs that: in one test run Stryker gives each test its own
/// mutant through a process-wide field, switched as each test starts, so tests running at once
/// would run under each other's mutants (and their coverage would mix). Its classes also carry
/// the trait <c>Category=Unit</c>, which the scoped mutation run (stryker-units.json) filters on
/// (as do the buffer pools' unit tests, which run in the measurements collection).
/// </summary>
[CollectionDefinition(Name)]
public sealed class UnitsCollection
{
    public const string Name = "units (one test at a time)";

    /// <summary>The value of the <c>Category</c> trait of every class in this collection.</summary>
    public const string Category = "Unit";
}
