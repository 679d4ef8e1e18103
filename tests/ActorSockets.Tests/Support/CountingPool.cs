using System.Buffers;
using System.Collections.Concurrent;
using ActorSockets.Connections;
using ActorSockets.Handlers;

namespace ActorSockets.Tests.Support;

/// <summary>
/// Stands in front of the shared pool as <see cref="InputBuffer"/>'s pool while installed: it
/// remembers every array rented through it until that array is returned, and the largest size
/// asked for. Process-wide, so only tests in the <see cref="Measurements"/> collection (run
/// alone) install it. Arrays rented before it was installed pass through uncounted.
/// </summary>
public sealed class CountingPool : ArrayPool<byte>, IDisposable
{
    private readonly ArrayPool<byte> _inner;
    private readonly ConcurrentDictionary<byte[], int> _out = new(ReferenceEqualityComparer.Instance);
    private long _rented, _returned, _largestAsked, _outstandingBytes, _peakOutstandingBytes;

    private CountingPool(ArrayPool<byte> inner) => _inner = inner;

    public static CountingPool Install()
    {
        var pool = new CountingPool(ConnectionContract.Pool);
        ConnectionContract.Pool = pool;
        return pool;
    }

    public long Rented => Interlocked.Read(ref _rented);
    public long Returned => Interlocked.Read(ref _returned);
    /// <summary>Arrays rented through this pool and not returned yet.</summary>
    public int Outstanding => _out.Count;
    /// <summary>The largest minimum length any rental asked for.</summary>
    public long LargestAsked => Interlocked.Read(ref _largestAsked);
    /// <summary>The most bytes (array lengths) out at one time.</summary>
    public long PeakOutstandingBytes => Interlocked.Read(ref _peakOutstandingBytes);

    public override byte[] Rent(int minimumLength)
    {
        var array = _inner.Rent(minimumLength);
        _out[array] = minimumLength;
        Interlocked.Increment(ref _rented);
        long now = Interlocked.Add(ref _outstandingBytes, array.Length);
        Raise(ref _peakOutstandingBytes, now);
        Raise(ref _largestAsked, minimumLength);
        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        if (_out.TryRemove(array, out _))
        {
            Interlocked.Increment(ref _returned);
            Interlocked.Add(ref _outstandingBytes, -array.Length);
        }
        _inner.Return(array, clearArray);
    }

    /// <summary>Waits (up to <paramref name="within"/>) until no counted array is out; returns
    /// either way, so the caller's asserts report what stayed out.</summary>
    public async Task SettledAsync(TimeSpan within)
    {
        try { await Eventually.Until(() => Outstanding == 0, within, "rented buffers to come back"); }
        catch (TimeoutException) { }
    }

    /// <summary>Starts counting peaks afresh (outstanding arrays stay counted).</summary>
    public void ResetPeaks()
    {
        Interlocked.Exchange(ref _largestAsked, 0);
        Interlocked.Exchange(ref _peakOutstandingBytes, Interlocked.Read(ref _outstandingBytes));
    }

    public override string ToString()
        => $"pool: {Rented} rented, {Returned} returned, {Outstanding} out; largest asked {LargestAsked} B; peak out {PeakOutstandingBytes} B";

    public void Dispose()
    {
        if (ReferenceEquals(ConnectionContract.Pool, this)) ConnectionContract.Pool = _inner;
    }

    private static void Raise(ref long field, long value)
    {
        for (long seen = Interlocked.Read(ref field); value > seen; seen = Interlocked.Read(ref field))
            if (Interlocked.CompareExchange(ref field, value, seen) == seen) return;
    }
}
