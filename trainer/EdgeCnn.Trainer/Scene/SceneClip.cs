using System.Globalization;
using System.Text;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;
using OpenCvSharp;
using Scalar = OpenCvSharp.Scalar;
using TorchSharp;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// A camera-like clip made from an IDX dataset's test images: each item at a random size, place and rotation on a
/// background (photos, or synthesised textures), still for a while as on a table, with light that drifts, fresh
/// sensor noise every frame, and empty stretches between items. The truth file names each stretch, the empty ones
/// as the background class, so the device can score frames and events on it.
/// </summary>
internal static class SceneClip
{
    /// <summary>What a clip is made of.</summary>
    internal sealed record Settings
    {
        public string Data { get; init; } = DatasetLoader.FashionMnistName;
        public int PerClass { get; init; } = 6;
        public double Seconds { get; init; } = 1.0;
        public double EmptySeconds { get; init; } = 0.8;
        public int Fps { get; init; } = 15;
        public int Width { get; init; } = 640;
        public int Height { get; init; } = 480;
        public double MinScale { get; init; } = 0.35;
        public double MaxScale { get; init; } = 0.9;
        public double Rotate { get; init; } = 25;
        public double Noise { get; init; } = 0.02;
        public string? BackgroundImages { get; init; }
        public int ItemsPerBackground { get; init; } = 10;
        public string BackgroundLabel { get; init; } = "background";
        public int Seed { get; init; } = 1;
    }

    public static void Write(Settings s, string output, Action<string> log)
    {
        if (s.PerClass < 1) throw new ArgumentException($"--per-class is {s.PerClass}; use at least 1.");
        if (s.Seconds <= 0 || s.EmptySeconds < 0 || s.Fps < 1) throw new ArgumentException("--seconds and --fps must be positive, --empty-seconds not negative.");
        if (s.MinScale is <= 0.05 or > 1 || s.MaxScale < s.MinScale || s.MaxScale > 1)
            throw new ArgumentException($"--scene-scale {s.MinScale}..{s.MaxScale}: use fractions of the frame height with 0.05 < min <= max <= 1.");
        (IdxFile.Content images, byte[] labels, string[] classes) = DatasetLoader.ReadIdxTestSplit(s.Data);
        if (classes.Contains(s.BackgroundLabel))
            throw new ArgumentException($"the dataset already has a class '{s.BackgroundLabel}'; empty stretches need a name of their own.");
        int rows = images.Dimensions[1], cols = images.Dimensions[2];

        var random = new Random(s.Seed);
        // Classes take turns, so that consecutive items differ.
        List<int>[] byClass = classes.Select((_, c) => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).OrderBy(_ => random.Next()).Take(s.PerClass).ToList()).ToArray();
        if (byClass.Any(list => list.Count < s.PerClass)) throw new InvalidDataException($"{s.Data}: some class has fewer than {s.PerClass} test images.");
        List<int> order = [.. Enumerable.Range(0, s.PerClass).SelectMany(k => byClass.Select(list => list[k]))];

        List<Mat> backgrounds = Backgrounds(s, (order.Count + s.ItemsPerBackground - 1) / s.ItemsPerBackground, random);
        int itemFrames = Math.Max(1, (int)Math.Round(s.Seconds * s.Fps));
        int emptyFrames = (int)Math.Round(s.EmptySeconds * s.Fps);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        FourCC codec = Path.GetExtension(output).Equals(".avi", StringComparison.OrdinalIgnoreCase) ? FourCC.MJPG : FourCC.FromFourChars('m', 'p', '4', 'v');
        var truth = new StringBuilder("first_frame,last_frame,label\n");
        int frameNumber = 0;
        try
        {
            using var writer = new VideoWriter(output, codec, s.Fps, new Size(s.Width, s.Height));
            if (!writer.IsOpened()) throw new IOException($"{output}: OpenCV cannot write this video here (use .mp4 or .avi).");
            using var scene = new Mat();
            using var frame = new Mat();
            using var noise = new Mat(s.Height, s.Width, MatType.CV_16SC3);
            void Show(Mat still, int count, string label)
            {
                if (count == 0) return;
                double drift = (random.NextDouble() * 2 - 1) * 0.08;
                for (int f = 0; f < count; f++)
                {
                    // The light drifts a little and every frame gets its own sensor noise.
                    still.ConvertTo(frame, MatType.CV_8UC3, 1 + drift * f / count);
                    Cv2.Randn(noise, Scalar.All(0), Scalar.All(s.Noise * 255));
                    Cv2.Add(frame, noise, frame, null, MatType.CV_8UC3.Value);
                    writer.Write(frame);
                }
                truth.Append(CultureInfo.InvariantCulture, $"{frameNumber},{frameNumber + count - 1},{label}\n");
                frameNumber += count;
            }

            for (int i = 0; i < order.Count; i++)
            {
                Mat background = backgrounds[i / s.ItemsPerBackground];
                Show(background, emptyFrames, s.BackgroundLabel);
                byte[] item = images.Data.AsSpan(order[i] * rows * cols, rows * cols).ToArray();
                Place(item, rows, cols, background, scene, s, random);
                Show(scene, itemFrames, classes[labels[order[i]]]);
            }
            Show(backgrounds[^1], emptyFrames, s.BackgroundLabel);
        }
        finally
        {
            foreach (Mat background in backgrounds) background.Dispose();
        }
        string truthPath = Path.ChangeExtension(output, ".truth.csv");
        File.WriteAllText(truthPath, truth.ToString());
        log(string.Create(CultureInfo.InvariantCulture, $"Wrote {output}: {order.Count} test items ({s.PerClass} per class), each {itemFrames} frames after {emptyFrames} empty ones, " +
            $"{frameNumber} frames at {s.Fps} fps, {s.Width}x{s.Height}, items {s.MinScale:0.##}..{s.MaxScale:0.##} of the height on " +
            $"{(s.BackgroundImages is null ? "synthesised textures" : $"photos from {s.BackgroundImages} and textures")}; truth in {truthPath} (empty stretches as '{s.BackgroundLabel}')."));
    }

    // The item, cut out by its own pixels (closed, so dark details stay part of it), warped onto the background.
    private static void Place(byte[] item, int rows, int cols, Mat background, Mat scene, Settings s, Random random)
    {
        using Mat gray = Mat.FromPixelData(rows, cols, MatType.CV_8UC1, item);
        using var mask = new Mat();
        Cv2.Threshold(gray, mask, 8, 255, ThresholdTypes.Binary);
        using (Mat kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3)))
            Cv2.MorphologyEx(mask, mask, MorphTypes.Close, kernel);

        double side = (s.MinScale + random.NextDouble() * (s.MaxScale - s.MinScale)) * s.Height;
        double angle = (random.NextDouble() * 2 - 1) * s.Rotate;
        double radians = angle * Math.PI / 180, c = Math.Abs(Math.Cos(radians)), n = Math.Abs(Math.Sin(radians));
        double box = side * (c + n);
        if (box > s.Height) { side *= s.Height / box; box = s.Height; }
        double cx = box / 2 + random.NextDouble() * (s.Width - box);
        double cy = box / 2 + random.NextDouble() * (s.Height - box);
        using Mat rotation = Cv2.GetRotationMatrix2D(new Point2f(cols / 2f, rows / 2f), angle, side / cols);
        rotation.Set(0, 2, rotation.At<double>(0, 2) + cx - cols / 2.0);
        rotation.Set(1, 2, rotation.At<double>(1, 2) + cy - rows / 2.0);
        var size = new Size(s.Width, s.Height);
        using var warpedItem = new Mat();
        using var warpedMask = new Mat();
        Cv2.WarpAffine(gray, warpedItem, rotation, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        Cv2.WarpAffine(mask, warpedMask, rotation, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        using var itemColour = new Mat();
        Cv2.CvtColor(warpedItem, itemColour, ColorConversionCodes.GRAY2BGR);
        using var alpha = new Mat();
        using var alpha3 = new Mat();
        warpedMask.ConvertTo(alpha, MatType.CV_32FC1, 1 / 255.0);
        Cv2.Merge([alpha, alpha, alpha], alpha3);
        using var front = new Mat();
        using var back = new Mat();
        itemColour.ConvertTo(front, MatType.CV_32FC3);
        background.ConvertTo(back, MatType.CV_32FC3);
        using var inverse = new Mat();
        Cv2.Subtract(Scalar.All(1), alpha3, inverse);
        Cv2.Multiply(front, alpha3, front);
        Cv2.Multiply(back, inverse, back);
        Cv2.Add(front, back, front);
        front.ConvertTo(scene, MatType.CV_8UC3);
    }

    // Photos (shuffled, cropped to the frame's aspect) and textures take turns, one per run of items.
    private static List<Mat> Backgrounds(Settings s, int count, Random random)
    {
        string[] photos = s.BackgroundImages is null ? [] : Directory.EnumerateFiles(s.BackgroundImages, "*", SearchOption.AllDirectories)
            .Where(ImagePreprocessor.IsImageFile).Order(StringComparer.Ordinal).OrderBy(_ => random.Next()).ToArray();
        if (s.BackgroundImages is not null && photos.Length == 0)
            throw new InvalidDataException($"--background-images {s.BackgroundImages}: no .png/.jpg/.jpeg/.bmp photos in it.");
        var result = new List<Mat>();
        using (torch.NewDisposeScope())
        {
            torch.manual_seed(s.Seed);
            torch.Tensor textures = BackgroundBank.Textures(count, 3, s.Height / 4, s.Width / 4).mul(255).clamp(0, 255).to(torch.ScalarType.Byte)
                .permute(0, 2, 3, 1).contiguous();
            for (int i = 0; i < count; i++)
            {
                if (photos.Length > 0 && i % 2 == 0)
                {
                    result.Add(Photo(photos[i / 2 % photos.Length], s.Width, s.Height));
                    continue;
                }
                byte[] pixels = textures[i].data<byte>().ToArray();
                using Mat small = Mat.FromPixelData(s.Height / 4, s.Width / 4, MatType.CV_8UC3, pixels);
                var large = new Mat();
                Cv2.Resize(small, large, new Size(s.Width, s.Height), 0, 0, InterpolationFlags.Cubic);
                result.Add(large);
            }
        }
        return result;
    }

    private static Mat Photo(string path, int width, int height)
    {
        using Mat image = ImagePreprocessor.Decode(path);
        double aspect = (double)width / height;
        int cropWidth = Math.Min(image.Cols, (int)(image.Rows * aspect));
        int cropHeight = (int)(cropWidth / aspect);
        using var crop = new Mat(image, new Rect((image.Cols - cropWidth) / 2, (image.Rows - cropHeight) / 2, cropWidth, cropHeight));
        var frame = new Mat();
        Cv2.Resize(crop, frame, new Size(width, height), 0, 0, InterpolationFlags.Area);
        if (frame.Channels() == 1) Cv2.CvtColor(frame, frame, ColorConversionCodes.GRAY2BGR);
        return frame;
    }
}
