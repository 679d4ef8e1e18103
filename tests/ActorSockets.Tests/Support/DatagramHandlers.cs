using System.Text;
using ActorSockets.Handlers;
using Akka.Actor;

namespace ActorSockets.Tests.Support;

/// <summary>socketserver's classic UDP echo: the reply is the datagram. Throws on "boom".</summary>
public sealed class EchoOrBoomDatagramHandler : DatagramRequestHandler
{
    protected override async Task HandleAsync()
    {
        if (Text.Trim() == "boom") throw new InvalidOperationException("boom");
        await WriteAsync(Data);
    }
}

/// <summary>Tells <c>probe</c> what it got and from whom, then echoes it.</summary>
public sealed class ProbeDatagramHandler(IActorRef probe) : DatagramRequestHandler
{
    protected override async Task HandleAsync()
    {
        probe.Tell($"got {Text} from {ClientAddress}");
        await WriteAsync(Data);
    }
}

/// <summary>Reports it started, waits for <c>gate</c>, then answers "done &lt;datagram&gt;".</summary>
public class GatedDatagramHandler(IActorRef probe, Func<Task> gate) : DatagramRequestHandler
{
    protected override async Task HandleAsync()
    {
        probe.Tell($"started {Text}");
        await gate();
        await WriteAsync($"done {Text}");
    }
}

/// <summary><see cref="GatedDatagramHandler"/>, kept across datagrams.</summary>
[ReusableHandler]
public sealed class KeptGatedDatagramHandler(IActorRef probe, Func<Task> gate) : GatedDatagramHandler(probe, gate);

/// <summary>Answers three times: two explicit sends, then the rest at finish.</summary>
public sealed class ChattyDatagramHandler : DatagramRequestHandler
{
    protected override async Task HandleAsync()
    {
        await SendNowAsync(Encoding.UTF8.GetBytes($"one {Text}"));
        await WriteAsync("two ");
        await SendNowAsync(Data);
        await WriteAsync($"three {Text}");
    }
}

/// <summary>Shuts the server down from inside its Handle, then answers.</summary>
public sealed class ShutdownDatagramHandler : DatagramRequestHandler
{
    protected override async Task HandleAsync()
    {
        await ShutdownServerAsync();
        await WriteAsync("shut down");
    }
}

/// <summary>Answers "N" with N bytes (i % 251), written as one 70 KB piece and the rest.</summary>
public class BigReplyDatagramHandler : DatagramRequestHandler
{
    protected override async Task HandleAsync()
    {
        var reply = Enumerable.Range(0, int.Parse(Text)).Select(i => (byte)(i % 251)).ToArray();
        int first = Math.Min(reply.Length, 70_000);
        await WriteAsync(reply.AsMemory(0, first));
        await WriteAsync(reply.AsMemory(first));
    }
}

/// <summary><see cref="BigReplyDatagramHandler"/>, kept across datagrams.</summary>
[ReusableHandler]
public sealed class KeptBigReplyDatagramHandler : BigReplyDatagramHandler;
