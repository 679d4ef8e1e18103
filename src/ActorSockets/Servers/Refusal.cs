using System.Net.Sockets;
using System.Text;

namespace ActorSockets.Servers;

/// <summary>
/// Turning an accepted connection away with a word: the server's
/// <c>supervision.circuit-breaker.refuse-reply</c> is written and the connection closed, and no
/// handler runs. Used while the circuit breaker is open and while no forking worker lives.
/// </summary>
internal static class Refusal
{
    /// <summary>The reply of <paramref name="options"/> as bytes (empty: nothing is written).</summary>
    public static byte[] ReplyOf(ServerOptions options) => Encoding.UTF8.GetBytes(options.Supervision.CircuitBreaker.RefuseReply);

    /// <summary>Writes <paramref name="reply"/> to <paramref name="client"/> without waiting (a fresh
    /// connection's send buffer takes a short reply whole) and closes it. The FIN goes after the
    /// reply, and what the client already sent is read away first, so the close is not a reset
    /// that would make the client's kernel drop the reply unread.</summary>
    public static void Refuse(Socket client, byte[] reply)
    {
        try
        {
            client.Blocking = false;
            if (reply.Length > 0) client.Send(reply, SocketFlags.None, out _);
            client.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            for (int i = 0; i < 16 && client.Available > 0; i++) client.Receive(sink, SocketFlags.None, out _);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the client is gone already
        }
        finally
        {
            client.Dispose();
        }
    }
}
