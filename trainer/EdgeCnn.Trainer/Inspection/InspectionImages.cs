using System.Globalization;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Inspection;

/// <summary>The PNGs of <c>inspect</c> and of a run's report: filters, feature maps, Grad-CAM, the input.</summary>
internal static class InspectionImages
{
    private const int Gap = 4;
    private static readonly Scalar Background = Scalar.All(40);
    private static readonly Scalar Ink = Scalar.All(230);

    /// <summary>
    /// The filters as patches, one per filter, all on one scale (grey, or mid-grey in colour, is 0; the brightest
    /// and darkest are ± the largest weight), colour for a 3-channel input (RGB shown as RGB), gray otherwise.
    /// </summary>
    public static void Filters(string path, float[] weights, int filters, int channels, int kernel, string title)
    {
        float largest = Math.Max(1e-12f, weights.Max(Math.Abs));
        int cell = Math.Max(48, kernel * 8), columns = Math.Min(16, filters), rows = (filters + columns - 1) / columns;
        using var canvas = new Mat(24 + rows * (cell + Gap) + Gap, columns * (cell + Gap) + Gap, MatType.CV_8UC3, Background);
        Cv2.PutText(canvas, title, new Point(Gap, 16), HersheyFonts.HersheySimplex, 0.45, Ink, 1, LineTypes.AntiAlias);
        using var patch = new Mat(kernel, kernel, MatType.CV_8UC3);
        using var enlarged = new Mat();
        int perFilter = channels * kernel * kernel;
        for (int f = 0; f < filters; f++)
        {
            for (int y = 0; y < kernel; y++)
            {
                for (int x = 0; x < kernel; x++)
                {
                    byte Level(int c) => (byte)Math.Clamp(127.5 + 127.5 * weights[f * perFilter + c * kernel * kernel + y * kernel + x] / largest, 0, 255);
                    byte Mean() => (byte)Math.Clamp(127.5 + 127.5 * Enumerable.Range(0, channels).Average(c => weights[f * perFilter + c * kernel * kernel + y * kernel + x]) / largest, 0, 255);
                    patch.Set(y, x, channels == 3 ? new Vec3b(Level(2), Level(1), Level(0)) : new Vec3b(Mean(), Mean(), Mean()));
                }
            }
            Cv2.Resize(patch, enlarged, new Size(cell, cell), 0, 0, InterpolationFlags.Nearest);
            Place(canvas, enlarged, Gap + (f % columns) * (cell + Gap), 24 + (f / columns) * (cell + Gap));
        }
        Cv2.ImWrite(path, canvas);
    }

    /// <summary>
    /// A stage's feature maps in a grid, each stretched over its own range (black = its smallest value, white = its
    /// largest), which is written under it; at most <paramref name="limit"/> maps.
    /// </summary>
    public static void FeatureMaps(string path, LayerOutputs.Stage stage, int limit = 64)
    {
        int shown = Math.Min(limit, stage.Channels);
        int zoom = Math.Max(1, 64 / Math.Max(stage.Height, stage.Width));
        int cellWidth = Math.Max(stage.Width * zoom, 64), cellHeight = stage.Height * zoom + 14;
        int columns = Math.Min(8, shown), rows = (shown + columns - 1) / columns;
        using var canvas = new Mat(24 + rows * (cellHeight + Gap) + Gap, columns * (cellWidth + Gap) + Gap, MatType.CV_8UC3, Background);
        string title = $"{stage.Name}: {stage.Channels} maps of {stage.Width}x{stage.Height}" + (shown < stage.Channels ? $", first {shown} shown" : "");
        Cv2.PutText(canvas, title, new Point(Gap, 16), HersheyFonts.HersheySimplex, 0.45, Ink, 1, LineTypes.AntiAlias);
        int plane = stage.Height * stage.Width;
        using var map = new Mat(stage.Height, stage.Width, MatType.CV_8UC1);
        using var enlarged = new Mat();
        using var colour = new Mat();
        for (int c = 0; c < shown; c++)
        {
            ReadOnlySpan<float> values = stage.Maps.AsSpan(c * plane, plane);
            float low = float.MaxValue, high = float.MinValue;
            foreach (float v in values)
            {
                low = Math.Min(low, v);
                high = Math.Max(high, v);
            }
            float range = Math.Max(high - low, 1e-12f);
            for (int i = 0; i < plane; i++) map.Set(i / stage.Width, i % stage.Width, (byte)Math.Clamp(255 * (values[i] - low) / range, 0, 255));
            Cv2.Resize(map, enlarged, new Size(stage.Width * zoom, stage.Height * zoom), 0, 0, InterpolationFlags.Nearest);
            Cv2.CvtColor(enlarged, colour, ColorConversionCodes.GRAY2BGR);
            int left = Gap + (c % columns) * (cellWidth + Gap), top = 24 + (c / columns) * (cellHeight + Gap);
            Place(canvas, colour, left, top);
            Cv2.PutText(canvas, string.Create(CultureInfo.InvariantCulture, $"{low:0.##}..{high:0.##}"), new Point(left, top + cellHeight - 3),
                HersheyFonts.HersheySimplex, 0.3, Ink, 1, LineTypes.AntiAlias);
        }
        Cv2.ImWrite(path, canvas);
    }

    /// <summary>The input enlarged, and beside it the same with the Grad-CAM heat map over it (red: most evidence).</summary>
    public static Mat GradCamPanel(Mat input, float[] cam, string caption, int size = 168)
    {
        using var enlarged = new Mat();
        Cv2.Resize(input, enlarged, new Size(size, size), 0, 0, InterpolationFlags.Nearest);
        using var heat8 = new Mat(input.Rows, input.Cols, MatType.CV_8UC1);
        for (int i = 0; i < cam.Length; i++) heat8.Set(i / input.Cols, i % input.Cols, (byte)Math.Clamp(255 * cam[i], 0, 255));
        using var heatLarge = new Mat();
        Cv2.Resize(heat8, heatLarge, new Size(size, size), 0, 0, InterpolationFlags.Linear);
        using var heat = new Mat();
        Cv2.ApplyColorMap(heatLarge, heat, ColormapTypes.Jet);
        using var overlay = new Mat();
        Cv2.AddWeighted(enlarged, 0.5, heat, 0.5, 0, overlay);
        var panel = new Mat(size + 20, 2 * size + Gap, MatType.CV_8UC3, Background);
        Place(panel, enlarged, 0, 0);
        Place(panel, overlay, size + Gap, 0);
        Cv2.PutText(panel, caption, new Point(2, size + 15), HersheyFonts.HersheySimplex, 0.38, Ink, 1, LineTypes.AntiAlias);
        return panel;
    }

    /// <summary>Panels in a grid of <paramref name="columns"/>, written as one PNG.</summary>
    public static void Grid(string path, IReadOnlyList<Mat> panels, int columns = 2)
    {
        int width = panels.Max(p => p.Cols), height = panels.Max(p => p.Rows);
        columns = Math.Min(columns, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        using var canvas = new Mat(rows * (height + Gap) + Gap, columns * (width + Gap) + Gap, MatType.CV_8UC3, Background);
        for (int i = 0; i < panels.Count; i++) Place(canvas, panels[i], Gap + (i % columns) * (width + Gap), Gap + (i / columns) * (height + Gap));
        Cv2.ImWrite(path, canvas);
    }

    /// <summary>The input as the network saw it, enlarged without smoothing.</summary>
    public static void Input(string path, Mat input, int size = 224)
    {
        using var enlarged = new Mat();
        Cv2.Resize(input, enlarged, new Size(size, size * input.Rows / input.Cols), 0, 0, InterpolationFlags.Nearest);
        Cv2.ImWrite(path, enlarged);
    }

    private static void Place(Mat canvas, Mat image, int left, int top)
    {
        using var target = new Mat(canvas, new Rect(left, top, image.Cols, image.Rows));
        image.CopyTo(target);
    }
}
