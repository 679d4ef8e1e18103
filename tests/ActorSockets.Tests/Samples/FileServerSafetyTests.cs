using System.Text;
using ActorSockets.Tests.Support;
using Xunit;

namespace ActorSockets.Tests.Samples;

/// <summary>The FileServer sample never reaches outside its root (symlinks followed), answers
/// every refusal exactly once, and cleans up after a killed run. <c>dir/root</c> is the --root;
/// <c>dir/outside.txt</c> is a file outside it.</summary>
public sealed class FileServerSafetyTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("fileserver-safety-").FullName;

    private string Root => Path.Combine(_dir, "root");
    private string Outside => Path.Combine(_dir, "outside.txt");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Links_leading_outside_the_root_are_refused_by_get_and_put_and_left_out_of_list()
    {
        File.WriteAllText(Outside, "secret outside the root");
        Directory.CreateDirectory(Path.Combine(Root, "download"));
        Directory.CreateDirectory(Path.Combine(Root, "upload"));
        File.WriteAllText(Path.Combine(Root, "download", "inside.txt"), "fine");
        File.CreateSymbolicLink(Path.Combine(Root, "download", "leak.txt"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, "download", "alias.txt"), Path.Combine(Root, "download", "inside.txt"));
        File.CreateSymbolicLink(Path.Combine(Root, "upload", "out.txt"), Outside);
        using var server = await StartAsync();
        using var client = await TestClient.ConnectAsync(server.Port);

        Assert.StartsWith("ERR|", await AskAsync(client, "get|leak.txt|x"));
        Assert.Equal("YES|4", await AskAsync(client, "get|alias.txt|x")); // a link that stays inside is fine
        Assert.Equal("fine", await AskAsync(client, "second_active", 4));
        Assert.StartsWith("ERR|", await AskAsync(client, "put|out.txt|3"));
        var listed = await AskAsync(client, "list|download|x");
        Assert.StartsWith("YES|", listed);
        var body = await AskAsync(client, "second_active", int.Parse(listed["YES|".Length..]));
        Assert.Equal("alias.txt|4\ninside.txt|4\n", body); // no leak.txt, no size of the outside file
        Assert.Equal("secret outside the root", File.ReadAllText(Outside));
        client.Dispose();
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Put_onto_a_folder_name_is_refused_and_the_connection_stays_usable()
    {
        Directory.CreateDirectory(Path.Combine(Root, "upload", "folder"));
        using var server = await StartAsync();
        using var client = await TestClient.ConnectAsync(server.Port);

        Assert.Equal("ERR|'folder' is a folder", await AskAsync(client, "put|folder|3"));
        Assert.Equal("OK", await AskAsync(client, "put|file.txt|3"));
        await client.SendAsync("abc");
        await Eventually.Until(() => File.Exists(Path.Combine(Root, "upload", "file.txt")), Deadline, "the upload after the refusal");
        Assert.True(Directory.Exists(Path.Combine(Root, "upload", "folder")));
        client.Dispose();
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_header_over_the_limit_gets_exactly_one_ERR()
    {
        using var server = await StartAsync();
        using var client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("get|" + new string('a', 3000) + "|x");

        var (data, _) = await client.ReadUntilClosedAsync(Deadline);
        Assert.Equal("ERR|header is longer than 1024 bytes", Encoding.UTF8.GetString(data));
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Partial_uploads_left_by_a_killed_server_are_swept_at_start()
    {
        var upload = Path.Combine(Root, "upload");
        Directory.CreateDirectory(upload);
        var partial = Path.Combine(upload, ".partial-0123456789abcdef");
        File.WriteAllText(partial, "half an upload");
        File.WriteAllText(Path.Combine(upload, "kept.txt"), "complete");

        using var server = await StartAsync(); // LISTENING comes after the folders are prepared
        Assert.False(File.Exists(partial), "the .partial- file is removed at start");
        Assert.True(File.Exists(Path.Combine(upload, "kept.txt")), "complete uploads stay");
        Assert.Equal(0, await server.StopAsync());
    }

    private Task<SampleProcess> StartAsync()
        => SampleProcess.StartAsync("FileServer", "--port", "0", "--mode", "threading", "--root", Root);

    /// <summary>Sends <paramref name="text"/> and reads the answer: <paramref name="bytes"/> bytes, or
    /// (answers carry no newline) what one read brings.</summary>
    private static async Task<string> AskAsync(TestClient client, string text, int? bytes = null)
    {
        await client.SendAsync(text);
        var buffer = new byte[64 * 1024];
        var received = 0;
        using var timeout = new CancellationTokenSource(Deadline);
        do
        {
            var n = await client.Socket.ReceiveAsync(buffer.AsMemory(received), System.Net.Sockets.SocketFlags.None, timeout.Token);
            if (n == 0) break;
            received += n;
        } while (bytes is { } wanted && received < wanted);
        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}
