using System.Text.RegularExpressions;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Architecture;

/// <summary>The core's folders (namespaces) form layers, so that no two depend on each other: a
/// folder uses only the folders below it. Read from the sources: a <c>using ActorSockets.X</c>,
/// an <c>ActorSockets.X.</c> name, or a relative <c>X.Type</c> naming a type declared in X, on
/// any line that is not a comment (doc references do not bind code).</summary>
[Collection(UnitsCollection.Name), Trait("Category", UnitsCollection.Category)]
public sealed class FolderLayerTests
{
    /// <summary>Bottom to top. The root namespace (files directly in src/ActorSockets) is below all.</summary>
    private static readonly string[] Layers = ["Tls", "Metrics", "Forking", "Handlers", "Connections", "Servers", "Configuration"];

    /// <summary>Uses of a folder above, still there, each with why (none now). The test fails when
    /// one goes away too, so that this list only shrinks.</summary>
    private static readonly (string From, string To, string Why)[] KnownUpward = [];

    [Fact]
    public void Every_folder_has_a_layer()
        => Assert.Empty(Folders().Except(Layers));

    [Fact]
    public void No_folder_uses_one_above_it()
    {
        var upward = Uses()
            .Where(use => Array.IndexOf(Layers, use.Key.To) > Array.IndexOf(Layers, use.Key.From))
            .Where(use => !KnownUpward.Any(k => k.From == use.Key.From && k.To == use.Key.To))
            .Select(use => $"{use.Key.From} -> {use.Key.To}: {string.Join(", ", use.Value)}");
        Assert.Empty(upward);
    }

    [Fact]
    public void Every_known_upward_use_still_exists()
    {
        var uses = Uses();
        Assert.Empty(KnownUpward.Where(k => !uses.ContainsKey((k.From, k.To))).Select(k => $"{k.From} -> {k.To}"));
    }

    private static string Source => Path.Combine(SampleProcess.RepoRoot(), "src", "ActorSockets");

    private static IEnumerable<string> Folders()
        => Directory.GetDirectories(Source).Select(Path.GetFileName).Where(name => name is not ("bin" or "obj")).Select(name => name!);

    private static IEnumerable<string> CodeLines(string file)
        => File.ReadLines(file).Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal));

    private static IEnumerable<string> Files(string folder)
        => Directory.EnumerateFiles(Path.Combine(Source, folder), "*.cs", SearchOption.AllDirectories);

    /// <summary>Which folder uses which other, and in which files.</summary>
    private static Dictionary<(string From, string To), List<string>> Uses()
    {
        var folders = Folders().ToList();
        var declared = folders.ToDictionary(folder => folder, folder => Files(folder)
            .SelectMany(CodeLines)
            .SelectMany(line => Regex.Matches(line, @"\b(?:class|record|struct|interface|enum)\s+([A-Z]\w*)").Select(m => m.Groups[1].Value))
            .ToHashSet());
        var uses = new Dictionary<(string, string), List<string>>();
        foreach (var from in folders)
        foreach (var file in Files(from))
        {
            var code = string.Join("\n", CodeLines(file));
            foreach (var to in folders.Where(to => to != from))
            {
                bool named = Regex.IsMatch(code, $@"\bActorSockets\.{to}\b")
                    || Regex.Matches(code, $@"(?<![\w.]){to}\.([A-Z]\w*)").Any(m => declared[to].Contains(m.Groups[1].Value));
                if (!named) continue;
                if (!uses.TryGetValue((from, to), out var files)) uses[(from, to)] = files = [];
                files.Add(Path.GetRelativePath(Source, file));
            }
        }
        return uses;
    }
}
