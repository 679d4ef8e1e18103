using System.Diagnostics;

namespace ActorSockets.Tests.Support;

/// <summary>Runs a program installed on the machine (python3, redis-cli, redis-benchmark) as an
/// independent client, with what it reads on stdin (else the test host's), and kills it past its deadline.</summary>
public static class ExternalTool
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> arguments,
        TimeSpan within, string? stdin = null, Action<ProcessStartInfo>? customize = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false,
        };
        foreach (var arg in arguments) info.ArgumentList.Add(arg);
        customize?.Invoke(info);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close(); // end of input: the tool runs what it read, then exits
        }
        try
        {
            await process.WaitForExitAsync().Within(within, $"{program} {string.Join(' ', arguments)}");
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
