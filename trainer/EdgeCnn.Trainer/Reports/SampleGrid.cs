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
        using var image = new Mat(p.Height, p.Width, MatType.CV_8UC3);
        using var enlarged = new Mat();
        int plane = p.Width * p.Height;
        for (int i = 0; i < count; i++)
        {
            int offset = i * p.TensorLength;
            for (int y = 0; y < p.Height; y++)
            {
                for (int x = 0; x < p.Width; x++)
                {
                    // Undo the normalisation: x*std + mean is p*scale; the channels are RGB, OpenCV wants BGR.
                    byte Channel(int c) => (byte)Math.Clamp((pixels[offset + c * plane + y * p.Width + x] * p.Std[c] + p.Mean[c]) / p.Scale, 0, 255);
                    image.Set(y, x, p.Channels == 1 ? new Vec3b(Channel(0), Channel(0), Channel(0)) : new Vec3b(Channel(2), Channel(1), Channel(0)));
                }
            }
            Cv2.Resize(image, enlarged, new Size(p.Width * zoom, p.Height * zoom), 0, 0, InterpolationFlags.Nearest);
            int left = (i % columns) * cellWidth, top = (i / columns) * cellHeight;
            using (var cell = new Mat(canvas, new Rect(left, top, enlarged.Width, enlarged.Height))) enlarged.CopyTo(cell);
            Cv2.PutText(canvas, classes[(int)labels[i]], new Point(left + 2, top + cellHeight - 5), HersheyFonts.HersheySimplex, 0.4, Scalar.All(230), 1, LineTypes.AntiAlias);
        }
        Cv2.ImWrite(path, canvas);
    }
}
