using Akka.Actor;
using Akka.Actor.Internal;

namespace ActorSockets.Servers;

/// <summary>
/// Supervision for a parent of many handlers (socketserver's <c>handle_error</c>): a handler
/// that throws is stopped, never restarted (a fresh handler on a half-served request would see
/// it in an unknown state), and <paramref name="report"/> learns which one failed and why, so
/// the report can name its request. A plain decider sees only the exception.
/// </summary>
internal sealed class HandlerSupervision(Action<IActorRef, Exception> report)
    : OneForOneStrategy(_ => Directive.Stop, loggingEnabled: false)
{
    public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause,
        ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        report(child, cause);
        base.ProcessFailure(context, restart, child, cause, stats, children);
    }
}
