using System.Diagnostics;

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

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Run(string[] arguments, string what)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments) info.ArgumentList.Add(arg);
        info.Environment.Remove("PYTHONOPTIMIZE"); // the clients check with explicit raises, but never run them optimised
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().Within(TimeSpan.FromSeconds(60 * TestTime.Factor), $"python3 {what}");
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
