using System.Runtime.CompilerServices;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSockets.Hosting;

/// <summary>
/// Makes each handler of type <typeparamref name="THandler"/> from the host's service provider
/// (reached through Akka.DependencyInjection's <c>DependencyResolver</c>) in a service scope of
/// its own — one per request, as ASP.NET Core has one per HTTP request — and disposes the scope
/// when Akka releases the handler (it stopped). Akka.DependencyInjection's own
/// <c>Props&lt;T&gt;()</c> resolves from the root provider, where a scoped service would be
/// shared by every request.
/// </summary>
internal sealed class ScopedHandlerProducer<THandler>(IServiceProvider services) : IIndirectActorProducer
    where THandler : ActorBase
{
    private readonly ConditionalWeakTable<ActorBase, IServiceScope> _scopes = new();

    public Type ActorType => typeof(THandler);

    public ActorBase Produce()
    {
        var scope = services.CreateScope();
        try
        {
            var handler = ActivatorUtilities.CreateInstance<THandler>(scope.ServiceProvider);
            _scopes.Add(handler, scope);
            return handler;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    public void Release(ActorBase actor)
    {
        if (_scopes.TryGetValue(actor, out var scope))
        {
            _scopes.Remove(actor);
            scope.Dispose();
        }
    }
}
