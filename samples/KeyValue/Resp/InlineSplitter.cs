namespace KeyValue.Resp;

/// <summary>
/// Splits an inline command line into arguments as redis-server's <c>sdssplitargs</c> does:
/// whitespace separates; "double quotes" take <c>\xHH</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>,
/// <c>\b</c>, <c>\a</c> and <c>\</c> before any other character; 'single quotes' take only
/// <c>\'</c>; a closing quote must be followed by whitespace or the end of the line.
/// </summary>
static class InlineSplitter
{
    /// <summary>Adds each argument of <paramref name="line"/> to <paramref name="arguments"/>;
    /// false when a quote is unbalanced.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> line, List<ReadOnlyMemory<byte>> arguments)
    {
        var current = new List<byte>();
        int p = 0;
        while (true)
        {
            while (p < line.Length && IsSpace(line[p])) p++;
            if (p == line.Length) return true;
            bool inDouble = false, inSingle = false, done = false;
            current.Clear();
            while (!done)
            {
                bool atEnd = p == line.Length;
                if (inDouble)
                {
                    if (atEnd) return false;
                    if (line[p] == '\\' && p + 3 < line.Length && line[p + 1] == 'x' && IsHex(line[p + 2]) && IsHex(line[p + 3]))
                    {
                        current.Add((byte)(Hex(line[p + 2]) * 16 + Hex(line[p + 3])));
                        p += 3;
                    }
                    else if (line[p] == '\\' && p + 1 < line.Length)
                    {
                        p++;
                        current.Add(line[p] switch
                        {
                            (byte)'n' => (byte)'\n', (byte)'r' => (byte)'\r', (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b', (byte)'a' => (byte)'\a', var c => c,
                        });
                    }
                    else if (line[p] == '"')
                    {
                        if (p + 1 < line.Length && !IsSpace(line[p + 1])) return false;
                        done = true;
                    }
                    else current.Add(line[p]);
                }
                else if (inSingle)
                {
                    if (atEnd) return false;
                    if (line[p] == '\\' && p + 1 < line.Length && line[p + 1] == '\'')
                    {
                        p++;
                        current.Add((byte)'\'');
                    }
                    else if (line[p] == '\'')
                    {
                        if (p + 1 < line.Length && !IsSpace(line[p + 1])) return false;
                        done = true;
                    }
                    else current.Add(line[p]);
                }
                else if (atEnd || line[p] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0) done = true;
                else if (line[p] == '"') inDouble = true;
                else if (line[p] == '\'') inSingle = true;
                else current.Add(line[p]);
                if (!atEnd) p++;
            }
            arguments.Add(current.ToArray());
        }
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private static bool IsHex(byte c) => char.IsAsciiHexDigit((char)c);

    private static int Hex(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
