using System.Text;
using Akka.Configuration.Hocon;

namespace ActorSockets.Configuration;

/// <summary>
/// Reads a HOCON file with its includes, as the HOCON specification has them: a target relative
/// to the including file's folder, <c>include "x.conf"</c> (or <c>file("x.conf")</c>) ignored when
/// the file is missing, <c>include required("x.conf")</c> an error then. Akka's parser knows
/// neither form: it fails on a plain include without a way to find the file, and reads
/// <c>required(</c> as part of a key, so includes are resolved here and handed to it by name.
/// </summary>
internal static class ConfigFile
{
    // Deep enough for any real layout; a file that includes itself ends here instead of the stack.
    private const int MaxDepth = 16;

    /// <exception cref="ServerConfigurationException">A file cannot be read, is not valid HOCON,
    /// or a required include is missing; the file (and line) is named.</exception>
    public static HoconRoot Parse(string path, int depth = 0)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerConfigurationException(path, $"cannot read the configuration file: {e.Message}", e);
        }
        try
        {
            // Akka's parser serves what it made of a broken file without a word: check first.
            var includes = HoconSyntax.Check(text);
            var targets = new Dictionary<string, string?>(); // the name handed to the parser -> file, null when missing
            var rewritten = new StringBuilder(text.Length);
            int at = 0;
            foreach (var include in includes)
            {
                var name = $"include-{targets.Count}";
                targets[name] = Resolve(path, include, depth);
                rewritten.Append(text, at, include.Start - at).Append(" \"").Append(name).Append('"');
                at = include.End;
            }
            rewritten.Append(text, at, text.Length - at);
            return Parser.Parse(rewritten.ToString(), Included);

            HoconRoot Included(string name)
                => targets.GetValueOrDefault(name) is { } file ? Parse(file, depth + 1) : Parser.Parse("", Included);
        }
        catch (Exception e) when (e is not (ServerConfigurationException or OutOfMemoryException))
        {
            throw new ServerConfigurationException(path, $"not valid HOCON: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>The file an include names, or null when it is missing and not required.</summary>
    private static string? Resolve(string including, HoconSyntax.Include include, int depth)
    {
        var target = include.Target;
        bool required = Unwrap(ref target, "required");
        if (Unwrap(ref target, "url") || Unwrap(ref target, "classpath"))
            throw Bad(including, include, "only files can be included, not url(...) or classpath(...)");
        Unwrap(ref target, "file");
        if (target.Length < 2 || target[0] != '"' || target[^1] != '"')
            throw Bad(including, include, $"include {include.Target}: expected a quoted file name, optionally in file(...) or required(...)");
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(including)) ?? "", target[1..^1]);
        if (depth >= MaxDepth) throw Bad(including, include, $"includes nested deeper than {MaxDepth} files (does a file include itself?)");
        if (File.Exists(file)) return file;
        return required ? throw Bad(including, include, $"include {include.Target}: no such file {file}") : null;
    }

    /// <summary>Takes <c>word( ... )</c> off <paramref name="target"/>, if it is that.</summary>
    private static bool Unwrap(ref string target, string word)
    {
        if (!target.StartsWith(word, StringComparison.Ordinal)) return false;
        var rest = target[word.Length..].Trim();
        if (rest.Length < 2 || rest[0] != '(' || rest[^1] != ')') return false;
        target = rest[1..^1].Trim();
        return true;
    }

    private static ServerConfigurationException Bad(string path, HoconSyntax.Include include, string why)
        => new(path, $"line {include.Line}: {why}");

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
