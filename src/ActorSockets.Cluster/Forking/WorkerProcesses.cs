using System.Diagnostics;
using ActorSockets.Servers;
using Akka.Actor;
using Akka.Event;

namespace ActorSockets.Forking;

/// <summary>
/// Starts the listener's own worker processes and keeps them alive: a worker that exits (even
/// killed with SIGKILL) is reported to the pool at once and started again, within the restart
/// budget (<see cref="RestartBudget"/>: past it, restarts back off, one warning per step, and
/// while none of them lives the pool refuses new connections). Each worker connects
/// to the listener's link socket (its path and the listener's pid are in the worker's
/// environment); when the listener dies, however it dies, the kernel closes the link and the
/// worker reads end of stream and exits: no orphan outlives the listener. Stdin plays no part.
/// Stopping sends each worker SIGTERM (it leaves the cluster). Their output goes to our stderr.
/// </summary>
internal sealed class WorkerProcesses : UntypedActor, IWithTimers
{
    private sealed record Exited(int Slot, Process Process);
    private sealed record Respawn(int Slot);
    private sealed record StopDeadline;

    private readonly ForkingOptions _options;
    private readonly WorkerCommand _command;
    private readonly string _seed;
    private readonly IActorRef _pool;
    private readonly string _linkPath;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Process?[] _slots;
    private readonly DateTime[] _startedAt;
    private readonly RestartBudget _budget;
    private readonly List<IActorRef> _stopWaiters = [];
    private bool _stopping;

    public WorkerProcesses(ForkingOptions options, string seed, IActorRef pool, string linkPath)
    {
        _linkPath = linkPath;
        _options = options;
        _command = options.Command ?? WorkerCommand.CurrentProgram();
        _seed = seed;
        _pool = pool;
        _slots = new Process?[options.Workers];
        _startedAt = new DateTime[options.Workers];
        _budget = new RestartBudget(options);

    }

    public ITimerScheduler Timers { get; set; } = null!;

    internal const string BackingOff = "{Deaths} worker process deaths within {RestartsWithin}, past max-restarts = {MaxRestarts}: "
        + "backing off, next restart in {Delay}";

    protected override void PreStart()
    {
        for (int slot = 0; slot < _slots.Length; slot++) Spawn(slot);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Exited exited when ReferenceEquals(_slots[exited.Slot], exited.Process):
                OnExited(exited.Slot, exited.Process);
                break;
            case Respawn respawn when !_stopping:
                Spawn(respawn.Slot);
                break;
            case StopWorkers:
                _stopWaiters.Add(Sender);
                BeginStop();
                break;
            case StopDeadline:
                foreach (var process in _slots.OfType<Process>()) Kill(process);
                break;
            case Exited or Respawn:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Spawn(int slot)
    {
        var info = new ProcessStartInfo(_command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in _command.Arguments) info.ArgumentList.Add(arg.Replace("{seed}", _seed));
        // Several processes share the cores: a worker's idle thread-pool threads block at once
        // instead of spinning for work, which measurably cut CPU per request in forking mode.
        // An explicit setting in the listener's environment (inherited) wins.
        // Only for relay-only workers: a worker serving handed-off sockets is a server like threading
        // mode and needs its threads to wake fast (64-connection pingpong: 44k req/s with the
        // spinning off, 72k with it on, threading mode 61k; one run each, same machine).
        if (!_options.SocketHandoff) info.Environment.TryAdd("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0");
        // A worker is started ahead of its first request and lives long: its hot methods should reach
        // fully optimised code within its first requests. Tiered compilation with the runtime's
        // defaults took seconds under load (one-line connections, 16 clients, the first 3 s after
        // start: 3.3k req/s, against 6.4k with tiering off). Tiering off, though, keeps the
        // ReadyToRun code of a published program forever, which is not as fast as a rejitted method:
        // so tiering stays on, counting calls from the start (no 100 ms delay) and without the
        // instrumented tier of dynamic PGO. Measured (BENCHMARKS.md; compare.sh, one-line connections,
        // 16 clients, ReadyToRun build, 7 rounds of 5 s): 1.13× the throughput of tiering off; the
        // first 3 s after start 6.5k–7.8k req/s (tiering off: 7.6k–8.1k); start-up unchanged.
        // Any of these set in the listener's environment wins.
        info.Environment.TryAdd("DOTNET_TC_CallCountingDelayMs", "0");
        info.Environment.TryAdd("DOTNET_TieredPGO", "0");
        foreach (var variable in SocketActivation.Variables) info.Environment.Remove(variable); // the listener's, not a worker's
        info.Environment[HandoffProtocol.LinkVariable] = _linkPath;
        info.Environment[HandoffProtocol.ListenerPidVariable] = Environment.ProcessId.ToString();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var self = Self;
        process.Exited += (_, _) => self.Tell(new Exited(slot, process));
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception e)
        {
            _log.Error(e, "Cannot start worker process {Command}", _command.FileName);
            ScheduleRespawn(slot, TimeSpan.Zero);
            return;
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _slots[slot] = process;
        _startedAt[slot] = DateTime.UtcNow;
        _pool.Tell(new WorkersBackingOff(false));
        _log.Info("Started worker process {Pid} (slot {Slot})", process.Id, slot);
    }

    private void OnExited(int slot, Process process)
    {
        int pid = process.Id, code = process.ExitCode;
        // Not disposed here: its output readers may still be draining the pipes, and disposing
        // under them crashes the listener. The finalizer releases it.
        _slots[slot] = null;
        _pool.Tell(new WorkerProcessExited(pid, code));
        if (_stopping)
        {
            if (_slots.All(p => p is null)) FinishStop();
            return;
        }
        _log.Warning("Worker process {Pid} exited with code {ExitCode}; restarting it", pid, code);
        ScheduleRespawn(slot, DateTime.UtcNow - _startedAt[slot]);
    }

    /// <summary>Starts <paramref name="slot"/> again when the budget says, for a worker that ran
    /// <paramref name="upFor"/>. Past the intensity each longer pause is one warning, and while
    /// no worker process lives the pool refuses new connections instead of holding them.</summary>
    private void ScheduleRespawn(int slot, TimeSpan upFor)
    {
        var (delay, newStep) = _budget.NextRestart(DateTime.UtcNow, upFor);
        if (newStep)
            _log.Warning(BackingOff, _budget.Restarts, _options.RestartsWithin, _options.MaxRestarts, delay);
        if (_budget.Backoff > TimeSpan.Zero && _slots.All(p => p is null)) _pool.Tell(new WorkersBackingOff(true));
        Timers.StartSingleTimer($"respawn-{slot}", new Respawn(slot), delay);
    }

    private void BeginStop()
    {
        if (_stopping) return;
        _stopping = true;
        Timers.CancelAll();
        foreach (var process in _slots.OfType<Process>())
            if (kill(process.Id, SigTerm) != 0) _log.Debug("SIGTERM to worker {0}: it is gone already", process.Id); // it leaves the cluster and exits
        if (_slots.All(p => p is null)) FinishStop();
        else Timers.StartSingleTimer(nameof(StopDeadline), new StopDeadline(), _options.StopTimeout);
    }

    private void FinishStop()
    {
        foreach (var waiter in _stopWaiters) waiter.Tell(WorkersStopped.Instance);
        _stopWaiters.Clear();
    }

    protected override void PostStop()
    {
        foreach (var process in _slots.OfType<Process>()) Kill(process);
    }

    private void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { /* exited meanwhile */ }
    }

    private static void Forward(string? line)
    {
        if (line is not null) Console.Error.WriteLine(line);
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
