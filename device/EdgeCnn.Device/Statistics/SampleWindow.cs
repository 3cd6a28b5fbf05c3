namespace EdgeCnn.Device.Statistics;

/// <summary>The last N values of a per-frame measurement, kept in a ring made once; adding allocates nothing.</summary>
public sealed class SampleWindow(int capacity = 2048)
{
    private readonly long[] _values = new long[capacity];
    private readonly Lock _gate = new();
    private long _added;

    /// <summary>How many values were ever added.</summary>
    public long Count
    {
        get
        {
            lock (_gate) return _added;
        }
    }

    /// <summary>The value added last, or null before the first.</summary>
    public long? Last
    {
        get
        {
            lock (_gate) return _added == 0 ? null : _values[(_added - 1) % _values.Length];
        }
    }

    /// <summary>Adds a value, replacing the oldest once the ring is full.</summary>
    public void Add(long value)
    {
        lock (_gate) _values[_added++ % _values.Length] = value;
    }

    /// <summary>The values in the window, oldest first (a copy; for reports, not for the frame loop).</summary>
    public long[] Snapshot()
    {
        lock (_gate)
        {
            int n = (int)Math.Min(_added, _values.Length);
            var copy = new long[n];
            long start = _added - n;
            for (int i = 0; i < n; i++) copy[i] = _values[(start + i) % _values.Length];
            return copy;
        }
    }

    /// <summary>Empties the window (after warm-up).</summary>
    public void Clear()
    {
        lock (_gate) _added = 0;
    }

    /// <summary>The <paramref name="percentile"/>-th percentile (nearest rank) of <paramref name="values"/>, or 0.</summary>
    public static long Percentile(long[] values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) return 0;
        long[] sorted = [.. values];
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
