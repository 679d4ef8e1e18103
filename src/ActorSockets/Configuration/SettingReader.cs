using System.Net;
using Akka.Configuration;

namespace ActorSockets.Configuration;

/// <summary>
/// Typed reads of one server's merged section. Any value that does not read is reported with
/// the full path of its key under the server's own section (and where it was inherited from),
/// never as a bare parser exception.
/// </summary>
internal sealed class Reader(Config section, string path, Func<string, bool> isOwn)
{
    private static readonly string[] Off = ["off", "infinite", "none"];

    public string String(string key) => Read(key, "a string", () => section.GetString(key, ""));

    /// <summary>A string as written, leading and trailing whitespace kept ("busy\n"): Akka's
    /// <c>GetString</c> trims it.</summary>
    public string VerbatimString(string key) => Read(key, "a string", () =>
    {
        var value = section.GetValue(key);
        if (value is null) return "";
        var parts = value.Values.OfType<Akka.Configuration.Hocon.HoconLiteral>().Select(l => l.Value).ToList();
        if (parts.Count != value.Values.Count) return value.GetString();
        // The parser keeps the blanks around the value ("x" }) as literals of their own.
        int start = 0, end = parts.Count;
        while (end - start > 1 && string.IsNullOrWhiteSpace(parts[end - 1])) end--;
        while (end - start > 1 && string.IsNullOrWhiteSpace(parts[start])) start++;
        return string.Concat(parts[start..end]);
    });

    public int Int(string key) => Read(key, "an integer", () => section.GetInt(key));

    /// <summary>An integer, or <c>auto</c> (null: the library's default, e.g. one per core).</summary>
    public int? OptionalInt(string key)
        => Raw(key) == "auto" ? null : Read(key, "an integer or auto", () => section.GetInt(key));

    /// <summary>A count of at least 1, or null for off (no limit).</summary>
    public int? OptionalLimit(string key)
        => Off.Contains(Raw(key)) ? null : Read(key, "an integer or off", () => section.GetInt(key));

    public bool Bool(string key)
    {
        var raw = Raw(key);
        return raw switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw Bad(key, $"'{raw}' is not on/off"),
        };
    }

    /// <summary>On, off, or <c>auto</c> (null: the library decides, e.g. by socket kind).</summary>
    public bool? OptionalBool(string key) => Raw(key) == "auto" ? null : Bool(key);

    /// <summary>A byte size ("64KiB", "1m", 65536) that fits an int.</summary>
    public int Bytes(string key)
    {
        var size = Read(key, "a byte size such as 64KiB", () => section.GetByteSize(key));
        if (size is null) throw Bad(key, "a byte size such as 64KiB is required");
        if (size > int.MaxValue) throw Bad(key, $"{size} bytes is too large");
        return (int)size.Value;
    }

    public TimeSpan Duration(string key)
        => Read(key, "a duration such as 500ms or 30s", () => section.GetTimeSpan(key, null, allowInfinite: false));

    /// <summary>A duration, or null for off/infinite/none.</summary>
    public TimeSpan? OptionalDuration(string key)
        => Off.Contains(Raw(key)) ? null : Duration(key);

    public TEnum Enum<TEnum>(string key) where TEnum : struct, Enum
    {
        var raw = Raw(key);
        if (System.Enum.TryParse<TEnum>(raw, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !raw.Any(char.IsDigit))
            return value;
        var names = string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));
        throw Bad(key, $"'{raw}' is not a {key} (expected one of: {names})");
    }

    /// <summary>A list of CIDR networks ("10.0.0.0/8"); with <paramref name="anyPeer"/>, "*" stands for every address.</summary>
    public IReadOnlyList<IPNetwork> Networks(string key, bool anyPeer = false)
    {
        var items = Read(key, "a list of CIDR strings", () => section.GetStringList(key));
        var networks = new List<IPNetwork>(items.Count);
        foreach (var item in items)
            networks.AddRange(ServerConfig.ParseNetwork(item, anyPeer)
                ?? throw Bad(key, $"'{item}' is not a CIDR network (address/prefix, no host bits set, e.g. 10.0.0.0/8){(anyPeer ? " or *" : "")}"));
        return networks;
    }

    /// <summary>The error for <paramref name="key"/>, named by its full path.</summary>
    public ServerConfigurationException Bad(string key, string why, Exception? inner = null)
        => new($"{path}.{key}", isOwn(key) ? why : $"{why} (inherited from {ActorSocketsConfig.DefaultsPath})", inner);

    private string Raw(string key) => String(key).Trim().ToLowerInvariant();

    private T Read<T>(string key, string what, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not ServerConfigurationException and not OutOfMemoryException)
        {
            string shown;
            try { shown = section.GetValue(key)?.ToString() ?? ""; }
            catch (Exception) { shown = "?"; }
            throw Bad(key, $"'{shown}' is not {what}", e);
        }
    }
}
