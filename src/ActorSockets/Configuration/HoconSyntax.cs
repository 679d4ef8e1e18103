namespace ActorSockets.Configuration;

/// <summary>
/// A strict syntax check of a HOCON text, run before Akka's parser. Akka's parser accepts a lot
/// it should refuse — an unclosed brace or string, a stray closing brace (everything after it is
/// dropped), words without a value (they become part of the next key, across lines), text after
/// an object — and silently serves what it made of them. This check follows the HOCON grammar
/// closely enough to refuse those, and names the line.
/// </summary>
internal sealed class HoconSyntax
{
    // Characters HOCON forbids in unquoted strings.
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    /// <summary>An include statement: what follows the <c>include</c> keyword, at
    /// <paramref name="Start"/>..<paramref name="End"/> of the text, on <paramref name="Line"/>.</summary>
    internal readonly record struct Include(int Start, int End, int Line, string Target);

    private readonly string _text;
    private readonly List<Include> _includes = [];
    private int _at;
    private int _line = 1;

    private HoconSyntax(string text) => _text = text;

    /// <summary>Throws <see cref="FormatException"/> ("line N: why") if <paramref name="text"/> is
    /// not well-formed HOCON; returns its include statements, in order.</summary>
    public static IReadOnlyList<Include> Check(string text)
    {
        var syntax = new HoconSyntax(text);
        syntax.SkipSpace(newlines: true);
        if (syntax.Peek == '{')
        {
            var opened = syntax._line;
            syntax.Next();
            syntax.ObjectBody('}', opened);
            syntax.SkipSpace(newlines: true);
            if (!syntax.AtEnd) throw syntax.Error($"unexpected '{syntax.Peek}' after the closing '}}' of the root object");
        }
        else syntax.ObjectBody(null, 1);
        return syntax._includes;
    }

    private bool AtEnd => _at >= _text.Length;
    private char Peek => AtEnd ? '\0' : _text[_at];
    private char PeekAt(int offset) => _at + offset < _text.Length ? _text[_at + offset] : '\0';

    private void Next()
    {
        if (_text[_at] == '\n') _line++;
        _at++;
    }

    private FormatException Error(string why) => new($"line {_line}: {why}");

    private bool AtComment => Peek == '#' || (Peek == '/' && PeekAt(1) == '/');

    /// <summary>Skips spaces and comments; newlines too if asked.</summary>
    private void SkipSpace(bool newlines)
    {
        while (!AtEnd)
        {
            if (AtComment) { while (!AtEnd && Peek != '\n') Next(); }
            else if (Peek == '\n' ? newlines : char.IsWhiteSpace(Peek) || Peek == '\uFEFF') Next();
            else return;
        }
    }

    /// <summary>Fields until <paramref name="close"/> (null: the end of the text).</summary>
    private void ObjectBody(char? close, int openedOn)
    {
        while (true)
        {
            SkipSpace(newlines: true);
            while (Peek == ',') { Next(); SkipSpace(newlines: true); }
            if (AtEnd)
            {
                if (close is not null) throw Error($"the '{{' opened on line {openedOn} is never closed");
                return;
            }
            if (Peek == close) { Next(); return; }
            if (Peek is '}' or ']') throw Error($"unexpected '{Peek}' (nothing open to close)");
            Field();
            SkipSpace(newlines: false);
            if (!AtEnd && Peek is not ('\n' or ',' or '}' or ']'))
                throw Error($"unexpected '{Peek}' after a value (one setting per line, or separate them with ',')");
        }
    }

    private void Field()
    {
        var key = Key();
        if (key == "include") { IncludeTarget(); return; }
        if (Peek == '{')
        {
            var opened = _line;
            Next();
            ObjectBody('}', opened);
            return;
        }
        if (Peek == '+') Next(); // +=
        Next(); // = or :
        SkipSpace(newlines: true);
        Value(close: null);
    }

    /// <summary>A key up to its separator (=, :, += or {), on one line.</summary>
    private string Key()
    {
        var start = _at;
        while (true)
        {
            if (AtEnd || Peek == '\n' || AtComment || Peek is '}' or ']' or ',')
            {
                var words = _text[start.._at].Trim();
                if (words.Length == 0) throw Error($"unexpected '{Peek}'");
                if (words == "include") return words;
                throw Error($"'{Shorten(words)}' is not a setting (expected key = value, or key {{ ... }})");
            }
            if (Peek is '=' or ':' or '{' || (Peek == '+' && PeekAt(1) == '='))
            {
                if (_text[start.._at].Trim().Length == 0) throw Error($"a '{Peek}' with no key before it");
                return _text[start.._at].Trim();
            }
            if (Peek == '"') QuotedString();
            else if (char.IsWhiteSpace(Peek) || Peek == '.' || !Forbidden.Contains(Peek)) Next();
            else throw Error($"'{Peek}' is not allowed in a key (quote the key)");
            if (_text[start.._at].Trim() == "include" && (Peek == ' ' || Peek == '\t')) return "include";
        }
    }

    private void IncludeTarget()
    {
        int start = _at, line = _line, depth = 0;
        while (!AtEnd && Peek != '\n' && !AtComment && !(depth == 0 && Peek is ',' or '}' or ']'))
        {
            if (Peek == '"') QuotedString();
            else
            {
                depth += Peek == '(' ? 1 : Peek == ')' ? -1 : 0;
                Next();
            }
        }
        _includes.Add(new Include(start, _at, line, _text[start.._at].Trim()));
    }

    /// <summary>A value: pieces on one line (strings, substitutions, unquoted text), or an object or array.</summary>
    private void Value(char? close)
    {
        var pieces = 0;
        while (true)
        {
            SkipSpace(newlines: false);
            if (AtEnd || Peek == '\n' || Peek == ',' || Peek == close || Peek == '}' || AtComment)
            {
                if (pieces == 0) throw Error("a setting with no value");
                return;
            }
            switch (Peek)
            {
                case '{':
                {
                    var opened = _line;
                    Next();
                    ObjectBody('}', opened);
                    pieces++;
                    break;
                }
                case '[':
                    Array();
                    pieces++;
                    break;
                case '"':
                    QuotedString();
                    pieces++;
                    break;
                case '$' when PeekAt(1) == '{':
                    Substitution();
                    pieces++;
                    break;
                case ']':
                    throw Error("unexpected ']' (nothing open to close)");
                default:
                    if (Forbidden.Contains(Peek)) throw Error($"'{Peek}' is not allowed in an unquoted value (quote the value)");
                    while (!AtEnd && !char.IsWhiteSpace(Peek) && !Forbidden.Contains(Peek) && !(Peek == '/' && PeekAt(1) == '/')) Next();
                    pieces++;
                    break;
            }
        }
    }

    private void Array()
    {
        var opened = _line;
        Next(); // [
        while (true)
        {
            SkipSpace(newlines: true);
            while (Peek == ',') { Next(); SkipSpace(newlines: true); }
            if (AtEnd) throw Error($"the '[' opened on line {opened} is never closed");
            if (Peek == ']') { Next(); return; }
            Value(close: ']');
        }
    }

    private void QuotedString()
    {
        var opened = _line;
        if (PeekAt(1) == '"' && PeekAt(2) == '"')
        {
            var end = _text.IndexOf("\"\"\"", _at + 3, StringComparison.Ordinal);
            if (end < 0) throw Error($"the \"\"\" string opened on line {opened} is never closed");
            while (_at < end + 3) Next();
            while (Peek == '"') Next(); // a """ string may end in extra quotes
            return;
        }
        Next();
        while (true)
        {
            if (AtEnd || Peek == '\n') throw Error("a quoted string is not closed on its line");
            if (Peek == '\\') { Next(); if (AtEnd || Peek == '\n') continue; Next(); continue; }
            if (Peek == '"') { Next(); return; }
            Next();
        }
    }

    private void Substitution()
    {
        while (Peek != '}')
        {
            if (AtEnd || Peek == '\n') throw Error("a ${...} substitution is not closed on its line");
            Next();
        }
        Next();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
