using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorSockets.Metrics;

/// <summary>
/// The socket clients scrape: takes each request on the address the operator chose, with a
/// deadline for its head, and answers <c>GET /metrics</c> from the exporter, which listens on a
/// loopback port of its own. The exporter's HttpListener matches the Host header against the
/// address it was started with (a scrape of <c>localhost:PORT</c> got a 404) and stops timing a
/// client out once its first byte arrived (a client that sent one byte held a connection for
/// ever); this front accepts any Host and closes a client whose request head is late.
/// </summary>
internal sealed class ScrapeFront : IDisposable
{
    private const int MaxHeadBytes = 8 * 1024;

    private readonly Socket _listening;
    private readonly Uri _exporter;
    private readonly TimeSpan _headTimeout;
    private readonly HttpClient _http = new();
    private readonly CancellationTokenSource _stop = new();

    public ScrapeFront(IPEndPoint endpoint, int exporterPort, TimeSpan headTimeout)
    {
        _exporter = new Uri($"http://127.0.0.1:{exporterPort}{PrometheusEndpoint.Path}");
        _headTimeout = headTimeout;
        _listening = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6) _listening.DualMode = endpoint.Address.Equals(IPAddress.IPv6Any);
            _listening.Bind(endpoint);
            _listening.Listen(64);
        }
        catch
        {
            _listening.Dispose();
            throw;
        }
        _ = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listening.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { return; }
            catch (SocketException) { continue; } // a client that left before its accept, or EMFILE: the next one
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        deadline.CancelAfter(_headTimeout);
        try
        {
            var requestLine = await ReadHeadAsync(client, deadline.Token);
            var parts = requestLine?.Split(' ');
            string status, type = "text/plain; charset=utf-8";
            byte[] body;
            if (parts is not { Length: 3 } || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
                (status, body) = ("400 Bad Request", "bad request\n"u8.ToArray());
            else if (parts[0] is not ("GET" or "HEAD"))
                (status, body) = ("405 Method Not Allowed", "only GET\n"u8.ToArray());
            else if (parts[1].Split('?')[0] != PrometheusEndpoint.Path)
                (status, body) = ("404 Not Found", Encoding.ASCII.GetBytes($"metrics are at {PrometheusEndpoint.Path}\n"));
            else
            {
                using var scraped = await _http.GetAsync(_exporter, _stop.Token);
                body = await scraped.Content.ReadAsByteArrayAsync(_stop.Token);
                status = $"{(int)scraped.StatusCode} {scraped.ReasonPhrase}";
                type = scraped.Content.Headers.ContentType?.ToString() ?? type;
            }
            var head = $"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await client.SendAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
            if (parts?[0] != "HEAD") await client.SendAsync(body, _stop.Token);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or HttpRequestException or ObjectDisposedException)
        {
            // late, gone, or stopping: the connection closes
        }
    }

    /// <summary>The request line once the whole head has arrived; null when it is too long or the client left.</summary>
    private static async Task<string?> ReadHeadAsync(Socket client, CancellationToken cancel)
    {
        var head = new byte[MaxHeadBytes];
        int length = 0;
        while (length < head.Length)
        {
            int n = await client.ReceiveAsync(head.AsMemory(length), SocketFlags.None, cancel);
            if (n == 0) return null;
            length += n;
            var text = Encoding.ASCII.GetString(head, 0, length);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal) || text.Contains("\n\n", StringComparison.Ordinal))
                return text[..text.IndexOf('\n')].TrimEnd('\r');
        }
        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listening.Dispose();
        _http.Dispose();
    }
}
