using System.Runtime.InteropServices;

namespace EdgeCnn.Trainer.Training;

/// <summary>
/// Process settings that make libtorch's CPU training faster on Linux, applied before libtorch loads.
/// </summary>
/// <remarks>
/// Measured here (scripts/bench-vs-pytorch.sh, docs/results.md): with glibc's defaults, half of the training
/// process's CPU time was system time, because every batch's large tensors grew the heap with brk and the frees
/// trimmed it again, so each batch faulted in freshly zeroed pages. Keeping freed memory in the process removes
/// that. OpenMP worker threads that spin briefly instead of sleeping on a futex between the many small ops of a
/// compact CNN add a few percent more. The trainer is a foreground job that owns the machine while it runs; the
/// device (a Pi running other things) does not use these settings.
/// </remarks>
internal static partial class NativeTuning
{
    private const int TrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int TopPad = -2;        // M_TOP_PAD
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    private static bool _applied;

    public static void Apply()
    {
        if (_applied || !OperatingSystem.IsLinux()) return;
        _applied = true;
        try
        {
            Mallopt(TrimThreshold, 1 << 30);
            Mallopt(TopPad, 256 << 20);
            Mallopt(MmapThreshold, 32 << 20); // glibc's maximum on 64-bit
            // libgomp reads this when libtorch loads it; a value the user exported wins (overwrite 0).
            SetEnvironment("OMP_WAIT_POLICY", "ACTIVE", 0);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no mallopt): run with the C library's defaults.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
