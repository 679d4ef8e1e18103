// Allocated bytes per echoed 64-byte message on one kept connection, for the echo written with
// each read: the line read (byte[]), ReceiveAsync (byte[]) and ReceiveMemoryAsync (lent, no new
// array). GC.GetTotalAllocatedBytes(true) counts every thread (the handler, the connection actor
// and the client run on different ones); the client allocates nothing per message (ValueTask
// socket calls on reused buffers), so the figure is the server's.
using System.Net;
using System.Net.Sockets;
using ActorSockets.Handlers;
using ActorSockets.Servers;
using Akka.Actor;

const int Warmup = 5_000, Messages = 20_000, Size = 64;
foreach (var (name, props) in new (string, Props)[]
{
    ("ReadLineBytesAsync", Props.Create<LineEcho>()),
    ("ReceiveAsync", Props.Create<ReceiveEcho>()),
    ("ReceiveMemoryAsync", Props.Create<MemoryEcho>()),
})
{
    await using var server = await SocketServer.StartAsync(ServerOptions.Tcp(), props);
    _ = server.ServeForeverAsync();
    using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
    var message = new byte[Size];
    Array.Fill(message, (byte)'x');
    message[^1] = (byte)'\n';
    var reply = new byte[Size];
    async Task RoundTrips(int count)
    {
        for (int i = 0; i < count; i++)
        {
            await client.SendAsync(message.AsMemory(), SocketFlags.None);
            for (int got = 0; got < Size;) got += await client.ReceiveAsync(reply.AsMemory(got), SocketFlags.None);
        }
    }
    await RoundTrips(Warmup);
    long before = GC.GetTotalAllocatedBytes(true);
    await RoundTrips(Messages);
    long perMessage = (GC.GetTotalAllocatedBytes(true) - before) / Messages;
    Console.WriteLine($"{name,-20} {perMessage,6} bytes allocated per echoed message");
}

sealed class LineEcho : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReadLineBytesAsync() is { Length: > 0 } line) await WriteAsync(line);
    }
}

sealed class ReceiveEcho : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReceiveAsync() is { Length: > 0 } data) await WriteAsync(data);
    }
}

sealed class MemoryEcho : StreamRequestHandler
{
    protected override async Task HandleAsync()
    {
        while (await ReceiveMemoryAsync() is { Length: > 0 } data) await WriteAsync(data);
    }
}
