// LoadGen: the project's own load generator for echo-style servers on loopback.
//
//   pingpong  C persistent connections; each sends an S-byte line and waits for the reply
//   connect   C workers; each connects, sends one line, half-closes, reads to EOF, closes; repeat
//   udp       C UDP sockets doing request/response, with a per-request timeout
//
// usage: LoadGen [--mode pingpong|connect] [--udp] [-h|--host HOST] -p PORT | --unix PATH
//                [-c CONNS] [-d SECS] [-w WARMUP] [-s BYTES] [--expect-len N]
//                [--timeout SECS] [--verify] [--tls]
//
//   --tls     pingpong and connect over TLS (SslStream, any server certificate accepted): each
//             connection begins with a full handshake (no session resumption), so connect
//             mode measures handshakes per second.
//
// Same options and the same last line as ../shared/bench/loadgen (C, epoll), so bench/run.sh
// can use either:
//   RESULT mode=.. conns=.. secs=.. requests=.. rps=.. p50_us=.. p90_us=.. p99_us=.. max_us=..
//          errors=.. mismatches=..
// Latencies go into the same log-linear microsecond histogram (16 steps per power of two),
// and a percentile is the lower edge of its bucket, as there. Only requests that complete
// after the warm-up count. It only talks to loopback addresses (or a Unix socket) and stops
// by itself after WARMUP + SECS (plus at most 2 s to wind down).
// Exit 0 ok, 1 when there were errors or mismatches, 2 on bad usage.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;

namespace LoadGen;

enum Mode { Pingpong, Connect, Udp }

sealed class Options
{
    public Mode Mode = Mode.Pingpong;
    public string Host = "127.0.0.1";
    public int Port;
    public string? UnixPath;
    public int Conns = 16;
    public double Secs = 5, Warmup = 1, Timeout = 5;
    public int Size = 32, ExpectLen = -1;
    public bool Verify, Tls;

    public static Options? Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{a} needs a value");
            switch (a)
            {
                case "--mode":
                    o.Mode = Next() switch
                    {
                        "pingpong" => Mode.Pingpong,
                        "connect" => Mode.Connect,
                        "udp" => Mode.Udp,
                        var m => throw new FormatException($"unknown mode {m}"),
                    };
                    break;
                case "--udp": o.Mode = Mode.Udp; break;
                case "-h" or "--host": o.Host = Next(); break;
                case "-p" or "--port": o.Port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--unix": o.UnixPath = Next(); break;
                case "-c": o.Conns = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "-d": o.Secs = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "-w": o.Warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "-s": o.Size = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--expect-len": o.ExpectLen = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--timeout": o.Timeout = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--verify": o.Verify = true; break;
                case "--tls": o.Tls = true; break;
                case "--help": return null;
                default: throw new FormatException($"unknown option {a}");
            }
        }
        if (o.Port <= 0 && o.UnixPath is null) throw new FormatException("-p PORT or --unix PATH is required");
        if (o.Conns < 1 || o.Conns > 100_000) throw new FormatException("-c must be 1..100000");
        if (o.Size < 1 || o.Size > 65_000) throw new FormatException("-s must be 1..65000");
        if (o.Secs <= 0 || o.Secs > 3600 || o.Warmup < 0 || o.Warmup > 600) throw new FormatException("-d must be in (0, 3600], -w in [0, 600]");
        if (o.Timeout <= 0) throw new FormatException("--timeout must be > 0");
        if (o.ExpectLen < 0) o.ExpectLen = o.Size;
        if (o.Verify && o.ExpectLen != o.Size) throw new FormatException("--verify needs --expect-len equal to -s");
        if (o.UnixPath is not null && o.Mode == Mode.Udp) throw new FormatException("--unix is for stream modes only");
        return o;
    }
}

/// <summary>One connection's (or worker's) counters; merged at the end, so no sharing while running.</summary>
sealed class Worker
{
    public readonly long[] Hist = new long[Histogram.Buckets];
    public long Requests, Errors, Mismatches;
    public volatile Socket? Socket;
    public long RequestStart;          // Stopwatch ticks, read by the watchdog
    public volatile bool Busy;         // a request (or connect) is outstanding
    public volatile bool TimedOut;     // the watchdog closed the socket

    public void Begin(long now)
    {
        Volatile.Write(ref RequestStart, now);
        TimedOut = false;
        Busy = true;
    }
}

static class Histogram
{
    public const int Buckets = 64 * 16;

    public static int Bucket(long us)
    {
        if (us < 16) return (int)(us < 0 ? 0 : us);
        int e = 63 - BitOperations.LeadingZeroCount((ulong)us); // >= 4
        int m = (int)((us >> (e - 4)) & 15);
        return Math.Min((e - 3) * 16 + m, Buckets - 1);
    }

    public static long BucketValue(int b)
    {
        if (b < 16) return b;
        int e = b / 16 + 3, m = b % 16;
        return (long)(16 + m) << (e - 4);
    }

    public static long Percentile(long[] hist, double p)
    {
        long total = 0, seen = 0;
        foreach (long h in hist) total += h;
        if (total == 0) return 0;
        long want = (long)(p * total);
        if (want < 1) want = 1;
        for (int i = 0; i < hist.Length; i++)
        {
            seen += hist[i];
            if (seen >= want) return BucketValue(i);
        }
        return 0;
    }
}

sealed class Run
{
    readonly Options o;
    readonly EndPoint endPoint;
    readonly byte[] payload;
    readonly long measureAt, endAt;
    volatile bool stopping;

    public Run(Options o, EndPoint endPoint, long start)
    {
        this.o = o;
        this.endPoint = endPoint;
        payload = new byte[o.Size];
        for (int i = 0; i < o.Size - 1; i++) payload[i] = (byte)('a' + i % 26);
        payload[o.Size - 1] = (byte)'\n';
        measureAt = start + Ticks(o.Warmup);
        endAt = measureAt + Ticks(o.Secs);
    }

    public long MeasureAt => measureAt;
    public long EndAt => endAt;
    static long Ticks(double secs) => (long)(secs * Stopwatch.Frequency);
    static long Now => Stopwatch.GetTimestamp();
    bool Measuring(long t) => t >= measureAt && t < endAt;

    void Record(Worker w, long t0, long t)
    {
        if (!Measuring(t)) return;
        w.Requests++;
        w.Hist[Histogram.Bucket((t - t0) * 1_000_000 / Stopwatch.Frequency)]++;
    }

    void Check(Worker w, ReadOnlySpan<byte> reply, long t)
    {
        if (o.Verify && Measuring(t) && !reply.SequenceEqual(payload)) w.Mismatches++;
    }

    async Task Failed(Worker w)
    {
        w.Busy = false;
        if (stopping) return;
        if (Measuring(Now)) w.Errors++;
        await Task.Delay(1); // a dead server must not turn this into a busy loop
    }

    Socket NewStream()
    {
        if (o.UnixPath is not null)
            return new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        return new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    }

    static readonly System.Net.Security.SslClientAuthenticationOptions TlsOptions = new()
    {
        TargetHost = "localhost",
        RemoteCertificateValidationCallback = (_, _, _, _) => true, // loopback benchmark: any certificate
        AllowTlsResume = false, // every connection pays a full handshake, as a new client does
    };

    async Task<System.Net.Security.SslStream> Handshake(Socket s)
    {
        var tls = new System.Net.Security.SslStream(new NetworkStream(s, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(TlsOptions);
        return tls;
    }

    async Task SendAll(Socket s)
    {
        for (int sent = 0; sent < payload.Length;)
            sent += await s.SendAsync(payload.AsMemory(sent), SocketFlags.None);
    }

    async Task Pingpong(Worker w)
    {
        var rbuf = new byte[Math.Max(o.ExpectLen, 1)];
        while (!stopping)
        {
            var s = NewStream();
            w.Socket = s;
            try
            {
                w.Begin(Now);
                await s.ConnectAsync(endPoint);
                await using var tls = o.Tls ? await Handshake(s) : null;
                long t0 = Volatile.Read(ref w.RequestStart);
                while (!stopping)
                {
                    if (tls is null) await SendAll(s);
                    else await tls.WriteAsync(payload);
                    int got = 0;
                    while (got < o.ExpectLen)
                    {
                        int n = tls is null
                            ? await s.ReceiveAsync(rbuf.AsMemory(got, o.ExpectLen - got), SocketFlags.None)
                            : await tls.ReadAsync(rbuf.AsMemory(got, o.ExpectLen - got));
                        if (n == 0) throw new SocketException((int)SocketError.ConnectionReset);
                        got += n;
                    }
                    long t = Now;
                    w.Busy = false;
                    Check(w, rbuf.AsSpan(0, Math.Min(got, o.Size)), t);
                    Record(w, t0, t);
                    t0 = Now;
                    w.Begin(t0);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or System.Security.Authentication.AuthenticationException)
            {
                await Failed(w);
            }
            finally
            {
                s.Dispose();
            }
        }
    }

    async Task Connect(Worker w)
    {
        var rbuf = new byte[Math.Max(o.ExpectLen, 1)];
        var scratch = new byte[65536];
        while (!stopping)
        {
            var s = NewStream();
            w.Socket = s;
            try
            {
                long t0 = Now;
                w.Begin(t0);
                await s.ConnectAsync(endPoint);
                await using var tls = o.Tls ? await Handshake(s) : null;
                if (tls is null)
                {
                    await SendAll(s);
                    s.Shutdown(SocketShutdown.Send); // the request is complete: half-close
                }
                else await tls.WriteAsync(payload); // TLS: the one-shot server closes after the line
                int got = 0;
                while (true)
                {
                    Memory<byte> room = got < o.ExpectLen ? rbuf.AsMemory(got, o.ExpectLen - got) : scratch;
                    int n = tls is null ? await s.ReceiveAsync(room, SocketFlags.None) : await tls.ReadAsync(room);
                    if (n == 0) break;
                    got += n;
                }
                long t = Now;
                w.Busy = false;
                if (got < o.ExpectLen) throw new SocketException((int)SocketError.ConnectionReset);
                Check(w, rbuf.AsSpan(0, o.Size), t);
                Record(w, t0, t);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or System.Security.Authentication.AuthenticationException)
            {
                await Failed(w);
            }
            finally
            {
                s.Dispose();
            }
        }
    }

    async Task Udp(Worker w)
    {
        var rbuf = new byte[65536];
        while (!stopping)
        {
            var s = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            w.Socket = s;
            try
            {
                s.Connect(endPoint);
                while (!stopping)
                {
                    long t0 = Now;
                    w.Begin(t0);
                    await s.SendAsync(payload, SocketFlags.None);
                    int n = await s.ReceiveAsync(rbuf, SocketFlags.None);
                    long t = Now;
                    w.Busy = false;
                    Check(w, rbuf.AsSpan(0, n), t);
                    Record(w, t0, t);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
            {
                await Failed(w); // a timeout closed the socket: a fresh one drops any late reply
            }
            finally
            {
                s.Dispose();
            }
        }
    }

    /// <summary>Closes the socket of any request older than --timeout; its task counts the error.</summary>
    void Watchdog(Worker[] workers)
    {
        long limit = Ticks(o.Timeout), now = Now;
        foreach (var w in workers)
        {
            if (w.Busy && now - Volatile.Read(ref w.RequestStart) > limit)
            {
                w.TimedOut = true;
                w.Socket?.Dispose();
            }
        }
    }

    public async Task<Worker[]> Go()
    {
        var workers = new Worker[o.Conns];
        var tasks = new Task[o.Conns];
        for (int i = 0; i < o.Conns; i++)
        {
            var w = workers[i] = new Worker();
            tasks[i] = Task.Run(() => o.Mode switch
            {
                Mode.Pingpong => Pingpong(w),
                Mode.Connect => Connect(w),
                _ => Udp(w),
            });
        }
        using var watchdog = new Timer(_ => Watchdog(workers), null, 100, 100);
        var left = endAt - Now;
        if (left > 0)
            await Task.Delay(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
        while (Now < endAt)
            await Task.Delay(1);
        stopping = true;
        foreach (var w in workers) w.Socket?.Dispose();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(2000));
        return workers;
    }
}

public static class Program
{
    const string Usage =
        "usage: LoadGen [--mode pingpong|connect] [--udp] [-h|--host HOST] -p PORT | --unix PATH\n" +
        "               [-c CONNS] [-d SECS] [-w WARMUP] [-s BYTES] [--expect-len N]\n" +
        "               [--timeout SECS] [--verify] [--tls]";

    public static async Task<int> Main(string[] args)
    {
        Options? o;
        EndPoint ep;
        try
        {
            o = Options.Parse(args);
            if (o is null)
            {
                Console.WriteLine(Usage);
                return 0;
            }
            if (o.UnixPath is not null)
                ep = new UnixDomainSocketEndPoint(o.UnixPath);
            else if (IPAddress.TryParse(o.Host, out var ip) && IPAddress.IsLoopback(ip))
                ep = new IPEndPoint(ip, o.Port);
            else
                throw new FormatException($"{o.Host}: only numeric loopback addresses are allowed");
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"LoadGen: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (OverflowException e)
        {
            Console.Error.WriteLine($"LoadGen: {e.Message}");
            return 2;
        }

        ThreadPool.GetMinThreads(out int wt, out int io);
        ThreadPool.SetMinThreads(Math.Max(wt, Environment.ProcessorCount * 2), io);

        var run = new Run(o, ep, Stopwatch.GetTimestamp());
        var workers = await run.Go();
        double secs = (double)(Stopwatch.GetTimestamp() - run.MeasureAt) / Stopwatch.Frequency;
        secs = Math.Min(secs, (double)(run.EndAt - run.MeasureAt) / Stopwatch.Frequency);
        if (secs <= 0) secs = o.Secs;

        var hist = new long[Histogram.Buckets];
        long requests = 0, errors = 0, mismatches = 0;
        foreach (var w in workers)
        {
            requests += w.Requests;
            errors += w.Errors;
            mismatches += w.Mismatches;
            for (int i = 0; i < hist.Length; i++) hist[i] += w.Hist[i];
        }
        string mode = o.Mode switch { Mode.Pingpong => "pingpong", Mode.Connect => "connect", _ => "udp" };
        var ci = CultureInfo.InvariantCulture;
        double rps = requests / secs;
        long p50 = Histogram.Percentile(hist, 0.5), p90 = Histogram.Percentile(hist, 0.9);
        long p99 = Histogram.Percentile(hist, 0.99), max = Histogram.Percentile(hist, 1.0);
        var sb = new StringBuilder();
        sb.Append(ci, $"{mode}: {requests} requests in {secs:F2} s over {o.Conns} connections: {rps:F1} req/s, ");
        sb.Append(ci, $"p50 {p50} us, p99 {p99} us, errors {errors}, mismatches {mismatches}\n");
        sb.Append(ci, $"RESULT mode={mode} conns={o.Conns} secs={secs:F2} requests={requests} rps={rps:F1} ");
        sb.Append(ci, $"p50_us={p50} p90_us={p90} p99_us={p99} max_us={max} errors={errors} mismatches={mismatches}\n");
        Console.Out.Write(sb.ToString());
        Console.Out.Flush();
        return errors > 0 || mismatches > 0 ? 1 : 0;
    }
}
