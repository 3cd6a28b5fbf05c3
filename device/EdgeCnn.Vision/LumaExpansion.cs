using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// Maps studio-range luma (Y of 16..235, as video codecs and cameras deliver 4:2:0 frames) to full-range gray
/// (0..255): (Y − 16) × 255 / 219, rounded and clamped. That is the gray OpenCV's own YUV-to-BGR conversion followed
/// by BGR-to-gray gives (within about 2 levels: the conversion rounds each colour channel first), at the cost of
/// one table lookup instead of two conversions.
/// </summary>
internal sealed class LumaExpansion : IDisposable
{
    private readonly Mat _table = new(1, 256, MatType.CV_8UC1);
    private readonly ReusableCvArguments _tableArguments;

    public LumaExpansion()
    {
        for (int y = 0; y < 256; y++) _table.Set(0, y, (byte)Math.Clamp(Math.Round((y - 16) * 255.0 / 219.0), 0, 255));
        _tableArguments = new ReusableCvArguments(_table);
    }

    /// <summary>Writes the expanded <paramref name="luma"/> (8-bit, 1 channel) into <paramref name="gray"/>; the two may be the same Mat.</summary>
    public void Expand(ReusableCvArguments luma, ReusableCvArguments gray) => AllocationFreeCv.Lut(luma, _tableArguments, gray);

    public void Dispose()
    {
        _tableArguments.Dispose();
        _table.Dispose();
    }
}
