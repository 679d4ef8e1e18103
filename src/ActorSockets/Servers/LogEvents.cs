namespace ActorSockets.Servers;

/// <summary>
/// Stable event ids of ActorSockets' own log events, keyed by message template. The core logs
/// through Akka (<c>log.Info("Accepted {Client} as {Handler}", ...)</c>); a logger that bridges
/// Akka's log to another framework (ActorSockets.Hosting's, to Microsoft.Extensions.Logging)
/// looks the template up here to attach the id and name. Ids never change meaning; a template
/// may be reworded as long as its entry here is reworded with it (a test checks that every
/// ActorSockets log line seen in the tests has an id). 1xxx: server, 2xxx: connection,
/// 3xxx: forking, 4xxx: hosting, 5xxx: listener nodes in a cluster.
/// </summary>
public static class LogEvents
{
    private static readonly Dictionary<string, (int Id, string Name)> ByTemplate = new(StringComparer.Ordinal)
    {
        ["Server bound to {Address} ({Kind}, {Mode} mode)"] = (1000, "ServerBound"),
        ["Bind failed"] = (1001, "BindFailed"),
        ["Server on {Address} stopped serving"] = (1002, "ServerStoppedServing"),
        ["Server on {Address} closing, {Requests} requests in flight"] = (1003, "ServerClosing"),
        ["Server on {Address} closed"] = (1004, "ServerClosed"),
        ["Drain deadline of {DrainTimeout} passed; stopping {Requests} requests still in flight"] = (1005, "DrainDeadlinePassed"),
        ["{Hook} hook failed"] = (1006, "HookFailed"),
        ["Server on {Address}: {Change} (serving {Requests})"] = (1007, "AcceptingChanged"),
        ["Receiving on {Address} failed: {Reason}"] = (1008, "ReceiveFailed"),
        ["Server on {Address}: circuit breaker open after {Failures} handler failures within {Within}; refusing new connections for {ResetTimeout}"]
            = (1040, "CircuitOpened"),
        ["Server on {Address}: circuit breaker half-open; the next connection is served as a probe"] = (1041, "CircuitHalfOpen"),
        ["Server on {Address}: circuit breaker closed; the probe connection ended without a failure"] = (1042, "CircuitClosed"),
        ["Server on {Address}: circuit breaker open again: the probe connection's handler failed; refusing new connections for {ResetTimeout}"]
            = (1043, "CircuitReopened"),
        ["Accepted {Client} as {Handler}"] = (1010, "ConnectionAccepted"),
        ["Refused {Client}: {Reason}"] = (1011, "ConnectionRefused"),
        ["{Subject}: {Detail} ({Event} #{Count})"] = (1020, "LimitReached"),
        ["Open-file limit raised from {Previous} to the hard limit, {Limit}"] = (1030, "FileLimitRaised"),
        ["Open-file limit stays {Limit}: raising it to {HardLimit} failed (errno {Errno})"] = (1031, "FileLimitNotRaised"),
        ["Open-file limit: {Limit} (hard limit {HardLimit})"] = (1032, "FileLimit"),
        ["Server on {Address}: {Setting} = {Limit} is more than the {Capacity} connections the open-file limit ({FileLimit}, "
         + "less what is open and {Reserve} kept in reserve) lets this process hold; past that, new connections are closed at once. "
         + "Raise the limit (ulimit -n, LimitNOFILE=) or lower the setting"] = (1033, "ConnectionLimitOverFileLimit"),
        ["Server on {Address}: the process holds all the {Capacity} client sockets its open-file limit ({Limit}) allows "
         + "besides a reserve for the runtime; closing new connections at once until some end"] = (1034, "DescriptorsExhausted"),
        ["Server on {Address}: descriptors free again; accepting as usual"] = (1035, "DescriptorsFreed"),
        ["Server on {Address}: accepting failed: {Reason}; pausing accepts until descriptors free up"] = (1036, "AcceptPaused"),

        ["Handler {Handler} for client {Client} failed: {Reason}"] = (2000, "HandlerFailed"),
        ["Handler {Handler} for client {Client} ended: {Reason}"] = (2001, "HandlerEnded"),
        ["Handler {Handler} for {Client} stopped before finishing"] = (2002, "HandlerStoppedEarly"),
        ["Suppressed {Count} more handler failure reports on server {Address} in the last {Seconds} s (at most {Limit} a second are logged)"] = (2003, "HandlerFailuresSuppressed"),
        ["Handler {Handler} for client {Client} restarted on its connection ({Restarts} of {MaxRestarts} within {Within})"] = (2004, "HandlerRestarted"),
        ["Connection {Handler} ({Client}) closed"] = (2010, "ConnectionClosed"),
        ["Closing connection of {Handler} ({Client}): aborted by {Sender}: {Reason}"] = (2011, "ConnectionAborted"),
        ["Connection {Handler} ({Client}): client did not take the last {Bytes} bytes; closing anyway"] = (2012, "UnsentBytesDropped"),
        ["Reply of {Handler} to {Client} not sent: {Reason}"] = (2020, "ReplyNotSent"),
        ["Reply of {Handler} dropped: the Unix datagram client bound no path to answer to"] = (2021, "ReplyDropped"),

        ["Worker {Worker} (pid {Pid} on {Machine}) joined; {Workers} workers"] = (3000, "WorkerJoined"),
        ["{Reason}; {Workers} workers left"] = (3001, "WorkerLeft"),
        ["Started worker process {Pid} (slot {Slot})"] = (3010, "WorkerProcessStarted"),
        ["Worker process {Pid} exited with code {ExitCode}; restarting it"] = (3011, "WorkerProcessExited"),
        ["Cannot start worker process {Command}"] = (3012, "WorkerProcessStartFailed"),
        ["{Deaths} worker process deaths within {RestartsWithin}, past max-restarts = {MaxRestarts}: backing off, next restart in {Delay}"]
            = (3016, "WorkerRestartsBackingOff"),
        ["Worker process {Pid} takes sockets over its link"] = (3013, "WorkerProcessLinked"),
        ["Worker process {Pid} takes sockets over its link ({Worker})"] = (3014, "WorkerProcessLinkedAs"),
        ["Worker process {Pid} was unreachable and is killed, to be started again"] = (3015, "UnreachableWorkerKilled"),
        ["Cannot adopt the socket of {Handler}: {Reason}"] = (3020, "SocketAdoptionFailed"),
        ["Worker node {Worker} still unreachable {Seconds} s after it was found so: removed from the cluster"] = (3030, "UnreachableWorkerDowned"),
        ["Worker node {Worker}: the listener {Listener} still unreachable {Seconds} s after it was found so; leaving"] = (3031, "ListenerUnreachable"),
        ["Worker {Pid} refused: {Reason}; exiting"] = (3040, "WorkerRefused"),
        ["Worker node {Worker} (pid {Pid}) joined the cluster of {Seeds}"] = (3041, "WorkerNodeJoined"),
        ["Worker node {Worker} (pid {Pid}) left the cluster"] = (3042, "WorkerNodeLeft"),
        ["Worker {Pid} cannot use the listener's link {Link}: {Reason}; exiting"] = (3043, "WorkerLinkFailed"),
        ["Worker {Pid} cannot reach seed node {Seeds} after {Seconds} s; still trying"] = (3044, "SeedUnreachable"),
        ["Cluster address of this listener: {Address} (worker nodes join it with --worker --seed-nodes)"] = (3045, "ListenerClusterAddress"),
        ["Accepting a worker link failed: {Reason}"] = (3050, "LinkAcceptFailed"),
        ["Link to worker process {Pid} failed: {Reason}"] = (3051, "LinkFailed"),

        ["Stopping server {Server}: refusing new connections, draining requests in flight for up to {DrainTimeout}"] = (4000, "ServerStopping"),
        ["Server {Server} did not finish draining within the shutdown phase; stopping it"] = (4001, "ServerDrainCutShort"),
        ["{Setting} ({Phase}) does not cover {ServersPath}.{Server}.drain-timeout ({DrainTimeout}): a stopping host will cut requests " +
         "short. Raise the phase timeout, or add HOCON before WithActorSocketServer so it is raised for you."] = (4002, "DrainPhaseTooShort"),
        ["Took over the listening socket; the previous process stopped accepting"] = (4010, "TookOver"),
        ["Process {Successor} took over: stopped accepting; serving the {Connections} open connections until they close, for up to {DrainTimeout}"] = (4011, "HandedOver"),
        ["Handed over to process {Successor}: drained in {Seconds} s, {Connections} connections still open"] = (4012, "HandoverDrained"),
        ["Second stop signal: stopped at once, {Requests} requests still in flight were cut"] = (4013, "SecondStopSignal"),

        ["Node {Node} joined the cluster; {Nodes} nodes up"] = (5000, "NodeJoined"),
        ["Node {Node} left the cluster ({How}); {Nodes} nodes up"] = (5001, "NodeLeft"),
        ["Node {Node} is unreachable; the split-brain resolver decides in {Seconds} s if it stays so"] = (5002, "NodeUnreachable"),
        ["Cluster address of this node: {Address} (other nodes list it in their seed nodes)"] = (5003, "NodeClusterAddress"),
    };

    /// <summary>The id and name of the event logged with <paramref name="template"/>, if it is one of ActorSockets'.</summary>
    public static bool TryGet(string template, out int id, out string name)
    {
        if (ByTemplate.TryGetValue(template, out var known))
        {
            (id, name) = known;
            return true;
        }
        (id, name) = (0, "");
        return false;
    }

    /// <summary>Every event: id, name and template, in id order (for documentation and tests).</summary>
    public static IReadOnlyList<(int Id, string Name, string Template)> All { get; } =
        [.. ByTemplate.Select(e => (e.Value.Id, e.Value.Name, e.Key)).OrderBy(e => e.Id)];
}
