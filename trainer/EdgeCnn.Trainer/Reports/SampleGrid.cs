using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Reports;

/// <summary>A PNG of input tensors as the network sees them, in a grid, each enlarged, with its label under it.</summary>
internal static class SampleGrid
{
    public static void Write(string path, float[] pixels, long[] labels, IReadOnlyList<string> classes, PreprocessingSpec p, int columns = 8, int zoom = 4)
    {
        int count = labels.Length, rows = (count + columns - 1) / columns;
        int cellWidth = Math.Max(p.Width * zoom, 96), cellHeight = p.Height * zoom + 18;
        using var canvas = new Mat(rows * cellHeight, columns * cellWidth, MatType.CV_8UC3, Scalar.All(40));
        using var enlarged = new Mat();
        for (int i = 0; i < count; i++)
        {
            using Mat image = TensorImage.ToBgr(pixels, i * p.TensorLength, p);
            Cv2.Resize(image, enlarged, new Size(p.Width * zoom, p.Height * zoom), 0, 0, InterpolationFlags.Nearest);
            int left = (i % columns) * cellWidth, top = (i / columns) * cellHeight;
            using (var cell = new Mat(canvas, new Rect(left, top, enlarged.Width, enlarged.Height))) enlarged.CopyTo(cell);
            Cv2.PutText(canvas, classes[(int)labels[i]], new Point(left + 2, top + cellHeight - 5), HersheyFonts.HersheySimplex, 0.4, Scalar.All(230), 1, LineTypes.AntiAlias);
        }
        Cv2.ImWrite(path, canvas);
    }
}
