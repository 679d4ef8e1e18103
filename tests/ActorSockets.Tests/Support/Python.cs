namespace ActorSockets.Tests.Support;

/// <summary>Runs a Python 3 client script from tests/clients as an independent client.</summary>
public static class Python
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script, params string[] args)
        => Run([Path.Combine(AppContext.BaseDirectory, "clients", script), .. args], script);

    /// <summary>Runs a script elsewhere in the repository (<paramref name="path"/> relative to its root).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunRepoScriptAsync(string path, params string[] args)
        => Run([Path.Combine(SampleProcess.RepoRoot(), path), .. args], path);

    /// <summary>Runs a one-line program (<c>python3 -c</c>); its arguments are in <c>sys.argv[1:]</c>.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunCodeAsync(string code, params string[] args)
        => Run(["-c", code, .. args], "python3 -c");

    private static Task<(int ExitCode, string Stdout, string Stderr)> Run(string[] arguments, string what)
        // The clients check with explicit raises, but never run them optimised.
        => ExternalTool.RunAsync("python3", arguments, TimeSpan.FromSeconds(60 * TestTime.Factor),
            customize: info => info.Environment.Remove("PYTHONOPTIMIZE"));
}
