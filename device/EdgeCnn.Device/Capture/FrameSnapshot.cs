using System.Globalization;
using OpenCvSharp;

namespace EdgeCnn.Device.Capture;

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
    private byte[]? _camJpeg;
    private int _owners;

    /// <summary>
    /// Copies <paramref name="frame"/> (the loop's buffer is overwritten by the next frame) for <paramref name="owners"/>
    /// owners, each of which disposes it once.
    /// </summary>
    /// <param name="frame">The loop's frame buffer.</param>
    /// <param name="region">The part the model saw.</param>
    /// <param name="label">The top class as the device names it.</param>
    /// <param name="probability">Its probability.</param>
    /// <param name="number">The frame number.</param>
    /// <param name="time">The frame's time.</param>
    /// <param name="owners">How many requesters share it.</param>
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

    /// <summary>The top class's activation map over the region, for a model exported with one; null otherwise.</summary>
    public ActivationMap? Cam { get; init; }

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
    /// The frame as a JPEG, with the region outlined and the top class and probability written on it; with
    /// <paramref name="withCam"/> and a map, the top class's activation map is laid over the region (red: most
    /// evidence). Each kind is encoded once.
    /// </summary>
    public byte[] EncodeJpeg(bool withCam = false)
    {
        withCam &= Cam is not null;
        lock (_gate)
        {
            if ((withCam ? _camJpeg : _jpeg) is byte[] done) return done;
            ObjectDisposedException.ThrowIf(_frame is null, this);
            using Mat bgr = ToBgr(_frame);
            if (withCam) OverlayCam(bgr);
            Cv2.Rectangle(bgr, Region, Scalar.LimeGreen, 2);
            string caption = string.Create(CultureInfo.InvariantCulture, $"{Label} {Probability:P1}  #{Number}");
            double scale = Math.Max(0.4, bgr.Cols / 640.0 * 0.7);
            Size text = Cv2.GetTextSize(caption, HersheyFonts.HersheySimplex, scale, 1, out int baseline);
            var origin = new Point(8, 6 + text.Height);
            // A dark band under the caption keeps it readable on any picture.
            Cv2.Rectangle(bgr, new Rect(0, 0, Math.Min(bgr.Cols, text.Width + 16), Math.Min(bgr.Rows, text.Height + baseline + 12)), Scalar.Black, -1);
            Cv2.PutText(bgr, caption, origin, HersheyFonts.HersheySimplex, scale, Scalar.White, 1, LineTypes.AntiAlias);
            byte[] jpeg = bgr.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
            if (withCam) _camJpeg = jpeg;
            else _jpeg = jpeg;
            return jpeg;
        }
    }

    // The map, cut at 0 and scaled by its largest value, stretched over the region and blended in as a heat map.
    private void OverlayCam(Mat bgr)
    {
        Rect region = Region & new Rect(0, 0, bgr.Cols, bgr.Rows);
        if (region.Width < 1 || region.Height < 1) return;
        (float[] cam, int width, int height) = Cam!.Value;
        float top = Math.Max(1e-12f, cam.Max());
        using var map = new Mat(height, width, MatType.CV_8UC1);
        for (int i = 0; i < cam.Length; i++) map.Set(i / width, i % width, (byte)Math.Clamp(255 * cam[i] / top, 0, 255));
        using var stretched = new Mat();
        Cv2.Resize(map, stretched, region.Size, 0, 0, InterpolationFlags.Linear);
        using var heat = new Mat();
        Cv2.ApplyColorMap(stretched, heat, ColormapTypes.Jet);
        using var area = new Mat(bgr, region);
        Cv2.AddWeighted(area, 0.55, heat, 0.45, 0, area);
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
