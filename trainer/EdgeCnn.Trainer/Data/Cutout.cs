using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Data;

/// <summary>
/// An image file that may be a cut-out: a PNG whose alpha channel says where the item is. A cut-out is trimmed to
/// its opaque pixels and centred on a transparent square, so that preparing it to the input size keeps its shape;
/// its colour and its opacity are then prepared by the same <see cref="ImagePreprocessor"/> geometry. Files without
/// transparency (photos, captured frames) are prepared as they are, fully opaque.
/// </summary>
internal sealed class Cutout : IDisposable
{
    // Alpha below this (of 255) counts as transparent when trimming; soft edges above it stay part of the item.
    private const byte TrimLevel = 8;
    private readonly ImagePreprocessor _colour;
    private readonly ImagePreprocessor _opacity;

    public Cutout(PreprocessingSpec spec)
    {
        _colour = new ImagePreprocessor(spec);
        // Opacity takes the colour's geometry (size, fit, filter) at unit scale, one channel.
        _opacity = new ImagePreprocessor(PreprocessingSpec.Unit(spec.Width, spec.Height, 1) with { ResizeMode = spec.ResizeMode, Interpolation = spec.Interpolation });
    }

    /// <summary>
    /// Prepares <paramref name="path"/> into <paramref name="pixels"/> (the spec's tensor) and its opacity into
    /// <paramref name="alpha"/> (H*W, 0..1). Returns true when the file has transparent pixels (a cut-out).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is unreadable or wholly transparent.</exception>
    public bool Prepare(string path, Span<float> pixels, Span<float> alpha)
    {
        using Mat image = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (image.Empty()) throw new InvalidDataException($"{path}: not a readable image (OpenCV could not decode it; is it a complete PNG, JPEG or BMP?).");
        if (image.Channels() != 4 || image.Depth() != MatType.CV_8U)
        {
            _colour.PrepareFile(path, pixels);
            alpha.Fill(1f);
            return false;
        }
        return Prepare(image, pixels, alpha, path);
    }

    /// <summary>As <see cref="Prepare(string, Span{float}, Span{float})"/> for an 8-bit BGRA image already in memory.</summary>
    public bool Prepare(Mat image, Span<float> pixels, Span<float> alpha, string path)
    {
        (Rect box, bool opaque) = OpaqueBox(image, path);
        if (opaque)
        {
            _colour.Prepare(image, pixels);
            alpha.Fill(1f);
            return false;
        }

        int side = Math.Max(box.Width, box.Height);
        using var square = new Mat(side, side, MatType.CV_8UC4, Scalar.All(0));
        using (var item = new Mat(image, box))
        using (var window = new Mat(square, new Rect((side - box.Width) / 2, (side - box.Height) / 2, box.Width, box.Height)))
            item.CopyTo(window);
        // Transparent pixels of a PNG may hold any colour; black keeps the resize from bleeding it into the edge.
        using Mat squareAlpha = square.ExtractChannel(3);
        using Mat hidden = squareAlpha.LessThan(TrimLevel);
        square.SetTo(Scalar.All(0), hidden);
        _colour.Prepare(square, pixels);
        _opacity.Prepare(squareAlpha, alpha);
        return true;
    }

    /// <summary>
    /// The box around the opaque pixels of an 8-bit BGRA image, and whether every pixel of the image is opaque (a
    /// frame, not a cut-out). The one trimming rule for cut-outs, in training and in scene clips.
    /// </summary>
    /// <exception cref="InvalidDataException">Every pixel is transparent.</exception>
    public static (Rect Box, bool Opaque) OpaqueBox(Mat image, string path)
    {
        using Mat opacity = image.ExtractChannel(3);
        using Mat solid = opacity.Threshold(TrimLevel - 1, 255, ThresholdTypes.Binary);
        Rect box = Cv2.BoundingRect(solid);
        if (box.Width == 0 || box.Height == 0) throw new InvalidDataException($"{path}: every pixel is transparent; there is no item to cut out.");
        return (box, box.Width == image.Width && box.Height == image.Height && Cv2.CountNonZero(solid) == box.Width * box.Height);
    }

    public void Dispose()
    {
        _colour.Dispose();
        _opacity.Dispose();
    }
}
