using System.Text;

/// <summary>
/// One command header of the file protocol, <c>cmd|filename|filesize</c> in UTF-8, as a
/// seed client sends it (with or without a trailing newline). A fourth field <c>sha256</c> on
/// <c>get</c> asks for the file's SHA-256 in the answer (an extension old clients never send).
/// </summary>
/// <param name="Command"><c>put</c>, <c>get</c> or <c>list</c>.</param>
/// <param name="Name">The file name (for <c>list</c>: the folder, <c>upload</c> or <c>download</c>).</param>
/// <param name="Size">The announced size for <c>put</c>; 0 otherwise.</param>
/// <param name="WantsSha256">Whether the client asked for the SHA-256 extension.</param>
sealed record FileRequest(string Command, string Name, long Size, bool WantsSha256)
{
    /// <summary>Parses a header; on failure returns null and the reason for the <c>ERR</c> answer.</summary>
    public static FileRequest? Parse(ReadOnlySpan<byte> header, out string error)
    {
        error = "";
        if (header.EndsWith("\n"u8)) header = header[..^1];
        if (header.EndsWith("\r"u8)) header = header[..^1];
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header);
        }
        catch (DecoderFallbackException)
        {
            error = "header is not UTF-8";
            return null;
        }
        var fields = text.Split('|');
        if (fields.Length is < 3 or > 4)
        {
            error = "a header has three fields: cmd, filename, filesize";
            return null;
        }
        var (command, name, size) = (fields[0], fields[1], fields[2]);
        bool sha256 = fields.Length == 4;
        if (sha256 && (command != "get" || fields[3] != "sha256"))
        {
            error = "the only fourth header field is sha256, on get";
            return null;
        }
        switch (command)
        {
            case "put":
                if (!long.TryParse(size, System.Globalization.NumberStyles.None, null, out var bytes))
                {
                    error = "filesize must be a whole number of bytes";
                    return null;
                }
                return new FileRequest(command, name, bytes, false);
            case "get" or "list":
                return new FileRequest(command, name, 0, sha256); // the seed's clients send any size here
            default:
                error = $"unknown command '{Printable(command)}': use put, get or list";
                return null;
        }
    }

    /// <summary>Text safe to put in an answer: no field separator, no control characters.</summary>
    public static string Printable(string text)
    {
        var safe = new StringBuilder(Math.Min(text.Length, 64));
        foreach (var c in text.Take(64)) safe.Append(char.IsControl(c) || c == '|' ? '?' : c);
        return safe.ToString();
    }
}
