using System.Text;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

/// <summary>/quit always answers "* bye" before the connection ends, even amid join and leave
/// notices to the quitter: nothing the room tells a handler after the bye, and the handler's
/// stop sends everything written before it.</summary>
public class ChatRoomQuitTests
{
    [Fact]
    public async Task Every_one_of_many_participants_quitting_amid_join_and_leave_notices_gets_its_bye()
    {
        using var server = await SampleProcess.StartAsync("ChatRoom", "--port", "0");
        const int Participants = 100;
        // Joins and leaves are broadcast to everyone, so each /quit tends to arrive while a notice
        // to the quitter is still in flight.
        var endings = await Task.WhenAll(Enumerable.Range(0, Participants).Select(async _ =>
        {
            using var client = await TestClient.ConnectAsync(server.Port);
            await client.SendAsync("/quit\n");
            var (data, _) = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(20));
            var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length > 0 ? lines[^1] : "(nothing)";
        }));
        var lost = endings.Where(last => last != "* bye").ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {Participants} got no bye; they ended with: {string.Join(" | ", lost.Take(5))}");
        Assert.Equal(0, await server.StopAsync());
    }
}
