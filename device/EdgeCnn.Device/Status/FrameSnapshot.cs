using System.Globalization;
using OpenCvSharp;

namespace EdgeCnn.Device.Status;

/// <summary>
/// A copy of one classified frame with what the model made of it, taken by the frame loop when someone asks for it
/// and encoded as a JPEG by whoever asked, off the loop. It may have several owners (requests that shared one frame):
/// each disposes it once, and the pixels are released after the last.
/// </summary>
public sealed class FrameSnapshot : IDisposable
{
    private readonly Lock _gate = new();
    private Mat? _frame;
    private byte[]? _jpeg;
    private int _owners;

    /// <summary>
    /// Copies <paramref name="frame"/> (the loop's buffer is overwritten by the next frame) for <paramref name="owners"/>
    /// owners, each of which disposes it once.
    /// </summary>
    public FrameSnapshot(Mat frame, Rect region, string label, float probability, long number, DateTimeOffset time, int owners = 1)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfLessThan(owners, 1);
        _owners = owners;
        _frame = frame.Clone();
        Region = region;
        Label = label;
        Probability = probability;
        Number = number;
        Time = time;
    }

    /// <summary>The part of the frame the model saw.</summary>
    public Rect Region { get; }

    /// <summary>The top class.</summary>
    public string Label { get; }

    /// <summary>Its probability.</summary>
    public float Probability { get; }

    /// <summary>The frame number.</summary>
    public long Number { get; }

    /// <summary>When the frame was captured.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>
    /// The frame as a JPEG, with the region outlined and the top class and probability written on it. Encoded once;
    /// the pixels are released afterwards.
    /// </summary>
    public byte[] EncodeJpeg()
    {
        lock (_gate)
        {
            if (_jpeg is not null) return _jpeg;
            ObjectDisposedException.ThrowIf(_frame is null, this);
            using Mat bgr = ToBgr(_frame);
            Cv2.Rectangle(bgr, Region, Scalar.LimeGreen, 2);
            string caption = string.Create(CultureInfo.InvariantCulture, $"{Label} {Probability:P1}  #{Number}");
            double scale = Math.Max(0.4, bgr.Cols / 640.0 * 0.7);
            Size text = Cv2.GetTextSize(caption, HersheyFonts.HersheySimplex, scale, 1, out int baseline);
            var origin = new Point(8, 6 + text.Height);
            // A dark band under the caption keeps it readable on any picture.
            Cv2.Rectangle(bgr, new Rect(0, 0, Math.Min(bgr.Cols, text.Width + 16), Math.Min(bgr.Rows, text.Height + baseline + 12)), Scalar.Black, -1);
            Cv2.PutText(bgr, caption, origin, HersheyFonts.HersheySimplex, scale, Scalar.White, 1, LineTypes.AntiAlias);
            _jpeg = bgr.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
            // The other owners get the same JPEG; the pixels are no longer needed.
            _frame.Dispose();
            _frame = null;
            return _jpeg;
        }
    }

    private static Mat ToBgr(Mat frame)
    {
        var bgr = new Mat();
        using Mat eightBit = new();
        Mat source = frame;
        if (frame.Depth() != MatType.CV_8U)
        {
            // A 16-bit or float frame (unusual, but some sources give them) is scaled to 8 bits for display.
            Cv2.Normalize(frame, eightBit, 0, 255, NormTypes.MinMax, MatType.CV_8U);
            source = eightBit;
        }
        switch (source.Channels())
        {
            case 1: Cv2.CvtColor(source, bgr, ColorConversionCodes.GRAY2BGR); break;
            case 4: Cv2.CvtColor(source, bgr, ColorConversionCodes.BGRA2BGR); break;
            default: source.CopyTo(bgr); break;
        }
        return bgr;
    }

    /// <summary>Gives up one owner's share; the last one releases the pixels (if they were never encoded).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_owners == 0 || --_owners > 0) return;
            _frame?.Dispose();
            _frame = null;
        }
    }
}
