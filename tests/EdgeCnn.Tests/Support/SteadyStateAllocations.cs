namespace EdgeCnn.Tests.Support;

/// <summary>Measures whether a per-frame step allocates once it has warmed up.</summary>
/// <remarks>
/// The runtime itself may allocate a few bytes on the calling thread now and then, independent of the code under
/// test: when the JIT's call counting completes and a method is re-jitted at tier 1 (slower to arrive on a loaded
/// CI machine), or when on-stack replacement kicks in. Such an allocation happens once; an allocation in the step
/// happens on every call. So the step is run in consecutive windows, and steady state is reached when one whole
/// window allocates nothing: a step that allocates per call can never produce such a window.
/// </remarks>
internal static class SteadyStateAllocations
{
    /// <summary>
    /// Runs <paramref name="step"/> <paramref name="warmUp"/> times, then in up to <paramref name="windows"/> windows
    /// of <paramref name="perWindow"/> calls; returns the bytes allocated in each window measured, the last being the
    /// first that allocated nothing if any did.
    /// </summary>
    public static long[] Measure(Action step, int warmUp = 100, int perWindow = 60, int windows = 5)
    {
        for (int i = 0; i < warmUp; i++) step();
        Thread.Sleep(300); // lets the JIT's background tier-1 compilation finish where it can
        var measured = new List<long>();
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < perWindow; i++) step();
            measured.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (measured[^1] == 0) break;
        }
        return [.. measured];
    }

    /// <summary>Asserts that one window of <see cref="Measure"/> allocated nothing; the message lists every window.</summary>
    public static void AssertNone(Action step, int warmUp = 100, int perWindow = 60, int windows = 5)
    {
        long[] measured = Measure(step, warmUp, perWindow, windows);
        Assert.True(measured[^1] == 0,
            $"every window of {perWindow} calls allocated: {string.Join(", ", measured)} bytes");
    }
}
