using System.Diagnostics;
using System.Text;

namespace ActorSockets.Tests.Support;

/// <summary>
/// A sample server run as a real child process (<c>dotnet Sample.dll args</c>). Waits for its
/// <c>LISTENING</c> line with a deadline; stopping sends SIGTERM; disposing kills it if still alive.
/// </summary>
public sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SampleProcess(Process process) => _process = process;

    public string Listening { get; private set; } = "";
    public int Port => int.Parse(Listening.Split(' ')[0]); // "LISTENING <port>" or "LISTENING <port> <server>"
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits until the running sample has logged <paramref name="text"/>: a log line
    /// about a request can reach stderr after the client has seen the request end.</summary>
    public Task WaitForStderrAsync(string text, TimeSpan? within = null)
        => Eventually.Until(() => Stderr.Contains(text, StringComparison.Ordinal), within ?? TimeSpan.FromSeconds(10),
            $"stderr to contain \"{text}\"");

    /// <summary>The cluster address the process logs (a forking listener's, or a listener node's), once it has.</summary>
    public async Task<string> ClusterAddressAsync(TimeSpan? within = null)
    {
        var pattern = new System.Text.RegularExpressions.Regex(@"Cluster address of this (?:listener|node): (\S+)");
        var address = "";
        await Eventually.Until(() => pattern.Match(Stderr) is { Success: true } found && (address = found.Groups[1].Value).Length > 0,
            within ?? TimeSpan.FromSeconds(10), "the logged cluster address");
        return address;
    }

    /// <summary>Starts sample <paramref name="name"/> and waits until it prints LISTENING.</summary>
    public static Task<SampleProcess> StartAsync(string name, params string[] args) => StartAsync(name, null, args);

    /// <summary>Starts sample <paramref name="name"/>, with <paramref name="customize"/> applied to its
    /// start info (environment, working directory), and waits until it prints LISTENING.</summary>
    public static async Task<SampleProcess> StartAsync(string name, Action<ProcessStartInfo>? customize, params string[] args)
    {
        var sample = Launch(name, customize, args);
        var done = await Task.WhenAny(sample._listening.Task, sample._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (done != sample._listening.Task)
        {
            sample.Dispose();
            throw new InvalidOperationException($"{name} did not print LISTENING. stderr:\n{sample.Stderr}");
        }
        sample.Listening = await sample._listening.Task;
        return sample;
    }

    /// <summary>Starts sample <paramref name="name"/> without waiting for anything.</summary>
    public static SampleProcess Launch(string name, params string[] args) => Launch(name, null, false, args);

    /// <summary>Starts sample <paramref name="name"/> with <paramref name="customize"/> applied to its start info.</summary>
    public static SampleProcess Launch(string name, Action<ProcessStartInfo>? customize, params string[] args)
        => Launch(name, customize, false, args);

    /// <summary>Starts sample <paramref name="name"/>; with <paramref name="stdinFromDevNull"/> its
    /// stdin is /dev/null (at end of file from the start, as under systemd or nohup), else a pipe we hold.</summary>
    public static SampleProcess Launch(string name, bool stdinFromDevNull, params string[] args)
        => Launch(name, null, stdinFromDevNull, args);

    private static SampleProcess Launch(string name, Action<ProcessStartInfo>? customize, bool stdinFromDevNull, string[] args)
    {
        var info = new ProcessStartInfo(stdinFromDevNull ? "/bin/sh" : "dotnet")
        {
            RedirectStandardInput = !stdinFromDevNull, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (stdinFromDevNull) // exec: the shell becomes dotnet, same pid
            foreach (var arg in new[] { "-c", "exec dotnet \"$@\" < /dev/null", "sh" }) info.ArgumentList.Add(arg);
        info.ArgumentList.Add(SampleDll(name));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        customize?.Invoke(info);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var sample = new SampleProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (sample._stdout) sample._stdout.AppendLine(e.Data);
            if (e.Data.StartsWith("LISTENING ")) sample._listening.TrySetResult(e.Data["LISTENING ".Length..]);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (sample._stderr) sample._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>Sends SIGTERM and returns the exit code (fails the test after the deadline).</summary>
    public async Task<int> StopAsync(TimeSpan? within = null)
    {
        Signal("TERM");
        return await WaitForExitAsync(within);
    }

    public async Task<int> WaitForExitAsync(TimeSpan? within = null)
    {
        await _process.WaitForExitAsync().Within(within ?? TimeSpan.FromSeconds(30), "sample process exit");
        return _process.ExitCode;
    }

    public void Signal(string signal) => Process.Start("kill", $"-{signal} {_process.Id}")!.WaitForExit();

    /// <summary>The built sample, next to the test assembly's configuration.</summary>
    public static string SampleDll(string name)
    {
        var root = RepoRoot();
        var configuration = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";
        var candidates = new[] { "samples", "tests" }
            .Select(folder => Path.Combine(root, folder, name, "bin", configuration, "net10.0", name + ".dll"));
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException($"Program {name} is not built", candidates.First());
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorSockets.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("ActorSockets.sln not found above the test assembly");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { /* never started */ }
        _process.Dispose();
    }
}
