namespace ActorSockets.Forking;

/// <summary>
/// How forking mode runs handlers out of process. The listener process keeps every socket;
/// handlers run in worker processes it starts itself (the same program relaunched with
/// <c>--worker</c>, like multiprocessing's "spawn") and on any worker node that joins its
/// Akka.Cluster with the <c>worker</c> role.
/// </summary>
public sealed record ForkingOptions
{
    /// <summary>The default of <see cref="Workers"/> (HOCON's <c>workers = auto</c>): one per core, at least two,
    /// so one busy or restarting worker never leaves the server without any.</summary>
    public static int DefaultWorkers => Math.Max(2, Environment.ProcessorCount);

    /// <summary>Worker processes the listener starts and keeps alive on this machine. 0 relies
    /// only on worker nodes started by hand.</summary>
    public int Workers { get; init; } = DefaultWorkers;

    /// <summary>Requests in workers at once (ForkingMixIn's <c>max_children</c>). Past it the
    /// listener stops accepting and further clients wait in the backlog: backpressure, not failure.</summary>
    public int MaxChildren { get; init; } = 40;

    /// <summary>How long a request waits for any worker to be available before its connection is closed.</summary>
    public TimeSpan WorkerWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause before a worker process that exited is started again: none by default, so a
    /// worker that dies after serving a while is replaced at once. Past <see cref="MaxRestarts"/>
    /// the pause is the backoff's, when that is longer.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Worker process restarts allowed within <see cref="RestartsWithin"/> (OTP's restart
    /// intensity, systemd's StartLimitBurst), counted over all of this server's workers. Past it
    /// the next restart waits 1 s (or <see cref="RestartDelay"/>, if longer) and each further one
    /// twice as long, up to <see cref="RestartBackoffMax"/>, so a crash loop does not spin.</summary>
    public int MaxRestarts { get; init; } = 10;

    /// <summary>The window <see cref="MaxRestarts"/> counts in; a worker that stayed up longer
    /// than this clears the count (and the backoff) when it dies.</summary>
    public TimeSpan RestartsWithin { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest pause between worker restarts past <see cref="MaxRestarts"/>.</summary>
    public TimeSpan RestartBackoffMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long shutdown waits for a worker process to exit after asking it to, before killing it.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Address the listener's cluster node binds; workers on other machines need one they can reach.</summary>
    public string ClusterHost { get; init; } = "127.0.0.1";

    /// <summary>Port of the listener's cluster node (the workers' seed node); 0 picks a free one,
    /// fine for workers this listener starts itself. Give a fixed one for nodes started by hand.</summary>
    public int ClusterPort { get; init; }

    /// <summary>Stream sockets go to the listener's own worker processes as they are (the descriptor
    /// passed over a Unix socket), so a worker serves the connection itself; off, or for worker
    /// nodes started by hand and for datagrams, every request's bytes are relayed as messages.</summary>
    public bool SocketHandoff { get; init; } = true;

    /// <summary>How long starting the server waits for its own worker processes to join.</summary>
    public TimeSpan WorkerStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The command that starts one worker process; null relaunches the current program
    /// with its own arguments plus <c>--worker --seed-nodes ADDRESS</c>.</summary>
    public WorkerCommand? Command { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Workers < 0) throw InvalidSetting.Error("Forking.Workers", "must not be negative");
        if (MaxChildren < 1) throw InvalidSetting.Error("Forking.MaxChildren", "must be at least 1");
        if (WorkerWaitTimeout <= TimeSpan.Zero) throw InvalidSetting.Error("Forking.WorkerWaitTimeout", "must be positive");
        if (ClusterPort is < 0 or > 65535) throw InvalidSetting.Error("Forking.ClusterPort", $"port {ClusterPort} is outside 0..65535");
        if (RestartDelay < TimeSpan.Zero) throw InvalidSetting.Error("Forking.RestartDelay", "must not be negative");
        if (MaxRestarts < 0) throw InvalidSetting.Error("Forking.MaxRestarts", "must not be negative");
        if (RestartsWithin <= TimeSpan.Zero) throw InvalidSetting.Error("Forking.RestartsWithin", "must be positive");
        if (RestartBackoffMax <= TimeSpan.Zero) throw InvalidSetting.Error("Forking.RestartBackoffMax", "must be positive");
        if (StopTimeout < TimeSpan.Zero) throw InvalidSetting.Error("Forking.StopTimeout", "must not be negative");
        if (WorkerStartTimeout <= TimeSpan.Zero) throw InvalidSetting.Error("Forking.WorkerStartTimeout", "must be positive");
        if (string.IsNullOrWhiteSpace(ClusterHost)) throw InvalidSetting.Error("Forking.ClusterHost", "must not be empty");
    }
}

/// <summary>A program and its arguments; <c>{seed}</c> in an argument is replaced by the
/// listener's cluster address.</summary>
public sealed record WorkerCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The current program relaunched with its own arguments plus the worker flags.</summary>
    public static WorkerCommand CurrentProgram()
    {
        var args = Environment.GetCommandLineArgs();
        var host = Environment.ProcessPath ?? "dotnet";
        // Under `dotnet app.dll` the first argument is the dll and the process is the dotnet host.
        bool viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var arguments = (viaDotnet ? args : args.Skip(1)).ToList();
        arguments.AddRange(["--worker", "--seed-nodes", "{seed}"]);
        return new WorkerCommand(host, arguments);
    }
}
