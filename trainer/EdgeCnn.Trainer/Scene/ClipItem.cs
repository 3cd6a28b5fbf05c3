using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// One item a scene clip shows: its colour (8-bit BGR) and its opacity (8-bit, 255 opaque), trimmed to the item.
/// Made from an IDX test image (cut out by its own pixels on black) or from a cut-out PNG (its alpha channel).
/// Owns its images.
/// </summary>
internal sealed class ClipItem : IDisposable
{
    private ClipItem(Mat colour, Mat opacity, string label, string source)
    {
        Colour = colour;
        Opacity = opacity;
        Label = label;
        Source = source;
    }

    public Mat Colour { get; }

    public Mat Opacity { get; }

    public string Label { get; }

    /// <summary>Where the item came from (a file, or an IDX test image's index), for the log.</summary>
    public string Source { get; }

    /// <summary>An IDX item on black: opaque where it is brighter than black, closed so dark details stay part of it.</summary>
    public static ClipItem FromIdx(byte[] pixels, int rows, int cols, string label, int index)
    {
        using Mat gray = Mat.FromPixelData(rows, cols, MatType.CV_8UC1, pixels);
        var colour = new Mat();
        Cv2.CvtColor(gray, colour, ColorConversionCodes.GRAY2BGR);
        var opacity = new Mat();
        Cv2.Threshold(gray, opacity, 8, 255, ThresholdTypes.Binary);
        using (Mat kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3)))
            Cv2.MorphologyEx(opacity, opacity, MorphTypes.Close, kernel);
        return new ClipItem(colour, opacity, label, $"test image {index}");
    }

    /// <summary>A cut-out: a PNG with an alpha channel, trimmed to its opaque pixels.</summary>
    /// <exception cref="InvalidDataException">The file has no transparency, or none of it is opaque.</exception>
    public static ClipItem FromCutout(string path, string label)
    {
        using Mat image = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (image.Empty()) throw new InvalidDataException($"{path}: not a readable image.");
        if (image.Channels() != 4 || image.Depth() != MatType.CV_8U)
            throw new InvalidDataException($"{path}: not a cut-out (an 8-bit PNG with an alpha channel); a scene clip pastes items by their transparency.");
        (Rect box, _) = Cutout.OpaqueBox(image, path);
        using Mat alpha = image.ExtractChannel(3);
        using var trimmed = new Mat(image, box);
        var colour = new Mat();
        Cv2.CvtColor(trimmed, colour, ColorConversionCodes.BGRA2BGR);
        using var opacity = new Mat(alpha, box);
        return new ClipItem(colour, opacity.Clone(), label, path);
    }

    /// <summary>
    /// The cut-outs of a folder <c>root/CLASS/**.png</c>, per class in sorted path order. Files without transparency
    /// are refused with their name.
    /// </summary>
    public static Dictionary<string, List<string>> CutoutFiles(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"--data {root}: folder not found; give an IDX dataset or a folder of cut-outs (root/<class>/*.png with an alpha channel).");
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string folder in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(folder);
            if (name.StartsWith('.')) continue;
            List<string> files = [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(ImagePreprocessor.IsImageFile).Order(StringComparer.Ordinal)];
            if (files.Count == 0) throw new InvalidDataException($"{folder}: class folder '{name}' holds no images.");
            result[name] = files;
        }
        if (result.Count == 0) throw new InvalidDataException($"{root}: no class folders; put cut-outs in {root}/<class>/*.png.");
        return result;
    }

    public void Dispose()
    {
        Colour.Dispose();
        Opacity.Dispose();
    }
}
