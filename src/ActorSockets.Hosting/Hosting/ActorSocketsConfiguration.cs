using System.Text;
using System.Text.Json;
using ActorSockets.Configuration;
using Akka.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorSockets.Hosting;

/// <summary>
/// <c>actorsockets.*</c> settings from Microsoft.Extensions.Configuration: appsettings.json,
/// environment variables, or any other provider, turned into HOCON.
/// </summary>
/// <example>
/// <code>
/// // appsettings.json
/// { "actorsockets": { "servers": { "echo": { "port": 9000, "deny": [ "10.0.0.0/8" ] } } } }
/// // or environment variables (":" is "__")
/// actorsockets__servers__echo__port=9000
/// actorsockets__server_defaults__max_line_length=4KiB
/// </code>
/// </example>
/// <remarks>
/// The mapping: the <c>actorsockets</c> section's keys become HOCON paths under
/// <c>actorsockets</c>, lower case; an underscore in a setting's key is a dash
/// (<c>max_line_length</c> is <c>max-line-length</c>: dashes are awkward in environment variable
/// names) except in a server's name (<c>servers:my_server</c> stays <c>my_server</c>); a section
/// whose keys are 0, 1, 2, ... is a list (<c>deny:0</c>, <c>deny:1</c>); every value is a HOCON
/// string, which HOCON reads as a number, a size, a duration or a boolean where the setting wants
/// one. What is set here is checked like any other setting: an unknown key fails the start.
/// </remarks>
public static class ActorSocketsConfiguration
{
    /// <summary>The configuration section read: <c>actorsockets</c>.</summary>
    public const string SectionName = "actorsockets";

    /// <summary>The <c>actorsockets</c> section of <paramref name="configuration"/> as HOCON text.</summary>
    public static string ToHocon(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = new StringBuilder();
        var section = configuration.GetSection(SectionName);
        if (section.Exists()) Write(text, section, SectionName, parentKey: null);
        return text.ToString();
    }

    /// <summary>The <c>actorsockets</c> section of <paramref name="configuration"/> as a <see cref="Config"/>.</summary>
    public static Config ToConfig(IConfiguration configuration)
        => ConfigurationFactory.ParseString(ToHocon(configuration));

    private static void Write(StringBuilder text, IConfigurationSection section, string path, string? parentKey)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            if (section.Value is { } value) text.Append(path).Append(" = ").Append(JsonSerializer.Serialize(value)).Append('\n');
            return;
        }
        if (IsList(children))
        {
            var items = children.OrderBy(c => int.Parse(c.Key)).Select(c => JsonSerializer.Serialize(c.Value ?? ""));
            text.Append(path).Append(" = [").Append(string.Join(", ", items)).Append("]\n");
            return;
        }
        foreach (var child in children)
        {
            var key = child.Key.ToLowerInvariant();
            if (parentKey != "servers") key = key.Replace('_', '-'); // a server's name keeps its underscores
            if (!IsPlainKey(key))
                throw new ServerConfigurationException($"{path}.{key}", "is not a valid setting name");
            Write(text, child, $"{path}.{key}", key);
        }
    }

    private static bool IsList(List<IConfigurationSection> children)
        => children.All(c => int.TryParse(c.Key, out _))
           && children.Select(c => int.Parse(c.Key)).Order().SequenceEqual(Enumerable.Range(0, children.Count));

    private static bool IsPlainKey(string key) => key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
