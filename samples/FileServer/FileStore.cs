using System.Text;

/// <summary>
/// The server's two folders: <c>upload/</c> receives <c>put</c>, <c>download/</c>
/// serves <c>get</c>. Every client-supplied name passes <see cref="Resolve"/>, which refuses
/// anything that could name a file outside the folder; uploads go to a hidden temporary file
/// that is renamed over the real name only when complete.
/// </summary>
sealed class FileStore(string root)
{
    /// <summary>Longest file name in UTF-8 bytes (NAME_MAX on Linux).</summary>
    public const int MaxNameBytes = 255;

    private const string PartialPrefix = ".partial-";

    /// <summary>The server's --root: nothing outside it is ever read, written or listed.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Where <c>put</c> writes.</summary>
    public string Upload { get; } = Path.Combine(Path.GetFullPath(root), "upload");

    /// <summary>Where <c>get</c> reads.</summary>
    public string Download { get; } = Path.Combine(Path.GetFullPath(root), "download");

    /// <summary>Creates both folders if missing; the error names the root when that fails.</summary>
    public void EnsureFolders()
    {
        try
        {
            Directory.CreateDirectory(Upload);
            Directory.CreateDirectory(Download);
            // Uploads a killed server left unfinished: no handler will ever finish or remove them.
            foreach (var partial in Directory.EnumerateFiles(Upload, PartialPrefix + "*")) Discard(partial);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create upload/ and download/ in {Path.GetDirectoryName(Upload)}: {e.Message}", e);
        }
    }

    /// <summary>The full path of <paramref name="name"/> inside <paramref name="folder"/>, or null
    /// with the reason when the name is not a plain file name. Hidden names (leading dot) are
    /// refused too: that covers <c>.</c> and <c>..</c>, and keeps temporary uploads out of reach.</summary>
    public static string? Resolve(string folder, string name, out string error)
    {
        error = name switch
        {
            "" => "file name is empty",
            _ when name.Contains('/') || name.Contains('\\') => "file name must not contain '/' or '\\'",
            _ when name.StartsWith('.') => "file name must not start with '.'",
            _ when name.Any(char.IsControl) => "file name must not contain control characters or NUL",
            _ when Path.IsPathRooted(name) => "file name must not be an absolute path",
            _ when Encoding.UTF8.GetByteCount(name) > MaxNameBytes => $"file name is longer than {MaxNameBytes} bytes",
            _ => "",
        };
        if (error.Length > 0) return null;
        var path = Path.GetFullPath(Path.Combine(folder, name));
        // Belt and braces: whatever the checks above missed, the result must sit directly in the folder.
        if (Path.GetDirectoryName(path) != Path.TrimEndingDirectorySeparator(folder))
        {
            error = "file name must name a file inside the server's folder";
            return null;
        }
        return path;
    }

    /// <summary><see cref="Resolve"/>, and then the real path (every symlink followed) must lie
    /// inside the root: a link in a folder that leads outside is refused as if it were "../x".</summary>
    public string? ResolveInside(string folder, string name, out string error)
    {
        var path = Resolve(folder, name, out error);
        if (path is null) return null;
        if (!IsInsideRoot(path))
        {
            error = "file name leads outside the server's folder";
            return null;
        }
        return path;
    }

    /// <summary>Whether <paramref name="path"/>, with every symlink on the way followed, is inside the root.
    /// A name that does not exist yet is judged by its folder.</summary>
    public bool IsInsideRoot(string path)
    {
        try
        {
            var realRoot = RealPath(Root);
            var real = RealPath(path);
            return real.StartsWith(Path.TrimEndingDirectorySeparator(realRoot) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // a link loop or an unreadable link: not provably inside
        }
    }

    /// <summary>The size get would send: a link's target's, not the link's own.</summary>
    private static long SizeOf(FileInfo file)
        => file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target.Length : file.Length;

    /// <summary>The absolute path with every symlink among its components resolved (realpath(3)),
    /// as far as the components exist.</summary>
    private static string RealPath(string path)
    {
        var current = Path.GetPathRoot(Path.GetFullPath(path))!;
        foreach (var part in Path.GetFullPath(path)[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is not null)
                next = info.ResolveLinkTarget(returnFinalTarget: true) is { } target ? RealPath(target.FullName) : next;
            current = next;
        }
        return current;
    }

    /// <summary>A new, empty temporary file in <c>upload/</c> for one upload; unique per call, so
    /// concurrent uploads of one name never share a file.</summary>
    public FileStream CreatePartial()
    {
        Directory.CreateDirectory(Upload);
        var path = Path.Combine(Upload, $"{PartialPrefix}{Guid.NewGuid():N}");
        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
    }

    /// <summary>Makes a complete upload visible under its name in one atomic rename; an older
    /// file of that name is replaced (the last complete upload wins).</summary>
    public static void Commit(string partialPath, string finalPath) => File.Move(partialPath, finalPath, overwrite: true);

    /// <summary>Deletes an unfinished upload; never throws.</summary>
    public static void Discard(string partialPath)
    {
        try
        {
            File.Delete(partialPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the file is hidden and never served.
        }
    }

    /// <summary>The regular files of a folder a client can name, as <c>name|size</c> lines sorted by name.
    /// A link leading outside the root is left out: its size would tell about a file outside.</summary>
    public string List(string folder)
    {
        if (!Directory.Exists(folder)) return "";
        var lines = new StringBuilder();
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
            if (!file.Name.Contains('|') && ResolveInside(folder, file.Name, out _) is not null) // only names get can fetch
                lines.Append($"{file.Name}|{SizeOf(file)}\n");
        return lines.ToString();
    }
}
