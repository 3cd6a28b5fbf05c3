using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// <see cref="ReusableCvArguments"/> for the few Mats a caller sees in turn (a frame loop rotates three frame
/// buffers), made once per Mat; a new Mat replaces the least recently made entry.
/// </summary>
internal sealed class ReusableCvArgumentsCache : IDisposable
{
    private readonly ReusableCvArguments?[] _entries = new ReusableCvArguments?[4];
    private int _next;

    /// <summary>The handles for <paramref name="mat"/>.</summary>
    public ReusableCvArguments For(Mat mat)
    {
        foreach (ReusableCvArguments? entry in _entries)
        {
            if (entry is not null && ReferenceEquals(entry.Mat, mat)) return entry;
        }
        _entries[_next]?.Dispose();
        var made = new ReusableCvArguments(mat);
        _entries[_next] = made;
        _next = (_next + 1) % _entries.Length;
        return made;
    }

    /// <summary>Releases every handle.</summary>
    public void Dispose()
    {
        foreach (ReusableCvArguments? entry in _entries) entry?.Dispose();
        Array.Clear(_entries);
    }
}
