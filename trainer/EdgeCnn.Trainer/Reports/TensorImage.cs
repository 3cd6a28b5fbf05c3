using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Reports;

/// <summary>A prepared input tensor back as the 8-bit picture the network saw: the normalisation undone, RGB as BGR.</summary>
internal static class TensorImage
{
    /// <summary>The image at <paramref name="offset"/> in <paramref name="pixels"/> (CHW floats) as a BGR Mat of the spec's size.</summary>
    public static Mat ToBgr(ReadOnlySpan<float> pixels, int offset, PreprocessingSpec p)
    {
        var image = new Mat(p.Height, p.Width, MatType.CV_8UC3);
        int plane = p.Width * p.Height;
        for (int y = 0; y < p.Height; y++)
        {
            for (int x = 0; x < p.Width; x++)
            {
                // x*std + mean is pixel*scale.
                byte Channel(ReadOnlySpan<float> source, int c) => (byte)Math.Clamp((source[offset + c * plane + y * p.Width + x] * p.Std[c] + p.Mean[c]) / p.Scale, 0, 255);
                image.Set(y, x, p.Channels == 1
                    ? new Vec3b(Channel(pixels, 0), Channel(pixels, 0), Channel(pixels, 0))
                    : new Vec3b(Channel(pixels, 2), Channel(pixels, 1), Channel(pixels, 0)));
            }
        }
        return image;
    }
}
