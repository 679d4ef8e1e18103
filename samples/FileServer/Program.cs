// A file server over a small FTP-like wire protocol (the one of Python's select-based
// socketserver file-server example, so its client works unchanged): put/get with cmd|filename|filesize headers, plus list and an opt-in SHA-256. See FileHandler.
using System.CommandLine;
using System.CommandLine.Parsing;
using ActorSockets.CommandLine;
using Akka.Actor;

var root = new Option<string>("--root")
{
    Description = "Folder holding upload/ (put writes there) and download/ (get reads there); both are created when missing",
    DefaultValueFactory = _ => ".",
};
var maxFileSize = new Option<long>("--max-file-size")
{
    Description = "Largest upload accepted, in bytes, with an optional K, M or G suffix; a larger one is refused before any byte is received",
    DefaultValueFactory = _ => 1L << 30,
    CustomParser = ParseSize,
};

string rootPath = ""; // set by the handler factory, which runs before onStarted
return await ServerCommandLine.RunAsync(args,
    "File server: put to upload/, get from download/, list; uploads are atomic.",
    cli => HandlerProps(rootPath = Path.GetFullPath(cli.Parsed.GetValue(root)!), cli.Parsed.GetValue(maxFileSize)),
    onStarted: _ => new FileStore(rootPath).EnsureFolders(),
    root, maxFileSize);

// Plain values only, so the same props can create the handler in a worker process.
static Props HandlerProps(string root, long maxFileSize) => Props.Create(() => new FileHandler(root, maxFileSize));

static long ParseSize(ArgumentResult result)
{
    var text = result.Tokens.Single().Value.Trim();
    int shift = char.ToUpperInvariant(text.LastOrDefault()) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
    if (shift > 0) text = text[..^1];
    if (long.TryParse(text, System.Globalization.NumberStyles.None, null, out var value) && value <= long.MaxValue >> shift)
        return value << shift;
    result.AddError($"--max-file-size: '{result.Tokens.Single().Value}' is not a size in bytes (for example 1048576, 512K, 200M, 1G)");
    return 0;
}
