using System.Globalization;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;
using OpenCvSharp;
using Scalar = OpenCvSharp.Scalar;
using TorchSharp;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// A camera-like clip: items (an IDX dataset's test images, or cut-out PNGs from a folder) each at a random size,
/// place and rotation on a background (photos, or synthesised textures), still for a while as a visitor in a garden
/// or an object on a table, with light that differs per stretch and drifts, fresh sensor noise every frame, and
/// empty stretches between items; on request some items partly out of the frame or behind a pole. The truth file
/// names each stretch, the empty ones as the background class, so the device can score frames and events on it.
/// </summary>
internal static class SceneClip
{
    /// <summary>What a clip is made of.</summary>
    internal sealed record Settings
    {
        /// <summary>An IDX dataset (its test split) or a folder of cut-outs, root/CLASS/*.png with alpha.</summary>
        public string Data { get; init; } = DatasetLoader.FashionMnistName;
        public int PerClass { get; init; } = 6;
        public double Seconds { get; init; } = 1.0;
        public double EmptySeconds { get; init; } = 0.8;
        public int Fps { get; init; } = 15;
        public int Width { get; init; } = 640;
        public int Height { get; init; } = 480;
        public double MinScale { get; init; } = SceneLook.Clip.MinScale;
        public double MaxScale { get; init; } = SceneLook.Clip.MaxScale;
        public double Rotate { get; init; } = 25;
        public double Noise { get; init; } = SceneLook.Clip.Noise;
        public string? BackgroundImages { get; init; }
        public int ItemsPerBackground { get; init; } = 10;
        /// <summary>Whether synthesised textures take turns with the photos (false: photos only, as one camera's
        /// views; needs BackgroundImages).</summary>
        public bool Textures { get; init; } = true;
        public string BackgroundLabel { get; init; } = "background";
        /// <summary>Only this class (or, when it is the background label, only empty stretches, PerClass of them).</summary>
        public string? Only { get; init; }
        /// <summary>Share of items placed partly beyond the frame's edge.</summary>
        public double Edge { get; init; }
        /// <summary>Share of items with a pole in front of them.</summary>
        public double Occlusion { get; init; }
        /// <summary>The light of each stretch, as a factor on the scene: e.g. 0.35 for dusk.</summary>
        public double MinLight { get; init; } = 1;
        public double MaxLight { get; init; } = 1;
        public int Seed { get; init; } = 1;

        public void Validate()
        {
            if (PerClass < 1) throw new ArgumentException($"--per-class is {PerClass}; use at least 1.");
            if (Seconds <= 0 || EmptySeconds < 0 || Fps < 1) throw new ArgumentException("--seconds and --fps must be positive, --empty-seconds not negative.");
            if (MinScale is <= 0.05 or > 1 || MaxScale < MinScale || MaxScale > 1)
                throw new ArgumentException($"--scene-scale {MinScale}..{MaxScale}: use fractions of the frame height with 0.05 < min <= max <= 1.");
            if (!Textures && BackgroundImages is null) throw new ArgumentException("--no-textures needs --background-images: the photos to show instead.");
            if (ItemsPerBackground < 1) throw new ArgumentException($"--items-per-background {ItemsPerBackground}: use at least 1.");
            if (Edge is < 0 or > 1) throw new ArgumentException($"--edge {Edge}: use a share between 0 and 1.");
            if (Occlusion is < 0 or > 1) throw new ArgumentException($"--poles {Occlusion}: use a share between 0 and 1.");
            if (MinLight is <= 0 or > 4 || MaxLight < MinLight || MaxLight > 4)
                throw new ArgumentException($"--light {MinLight}..{MaxLight}: use factors with 0 < min <= max <= 4 (1 is the photo's own light, 0.35 dusk).");
        }
    }

    public static void Write(Settings s, string output, Action<string> log)
    {
        s.Validate();
        var random = new Random(s.Seed);
        (List<ClipItem> items, string what) = Items(s, random);
        try
        {
            Write(s, items, what, output, random, log);
        }
        finally
        {
            foreach (ClipItem item in items) item.Dispose();
        }
    }

    private static void Write(Settings s, List<ClipItem> items, string what, string output, Random random, Action<string> log)
    {
        bool emptyOnly = s.Only == s.BackgroundLabel;
        int stretches = emptyOnly ? s.PerClass : items.Count;
        int itemFrames = Math.Max(1, (int)Math.Round(s.Seconds * s.Fps));
        int emptyFrames = emptyOnly ? itemFrames : (int)Math.Round(s.EmptySeconds * s.Fps);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        string truth;
        int frames, edged = 0, hidden = 0;
        List<Mat> backgrounds = Backgrounds(s, (stretches + s.ItemsPerBackground - 1) / s.ItemsPerBackground, random);
        try
        {
            using var video = new ClipVideo(output, s, random);
            using var scene = new Mat();
            Scalar light = Light(s, random);
            for (int i = 0; i < stretches; i++)
            {
                Mat background = backgrounds[i / s.ItemsPerBackground];
                video.Show(background, emptyFrames, s.BackgroundLabel, light);
                if (emptyOnly)
                {
                    light = Light(s, random);
                    continue;
                }
                (bool edge, bool pole) = Place(items[i], background, scene, s, random);
                if (edge) edged++;
                if (pole) hidden++;
                video.Show(scene, itemFrames, items[i].Label, light);
                light = Light(s, random);
            }
            if (!emptyOnly) video.Show(backgrounds[^1], emptyFrames, s.BackgroundLabel, light);
            (truth, frames) = (video.Truth.ToString(), video.Frames);
        }
        finally
        {
            foreach (Mat background in backgrounds) background.Dispose();
        }
        string truthPath = Path.ChangeExtension(output, ".truth.csv");
        File.WriteAllText(truthPath, truth);
        string shown = emptyOnly ? $"{stretches} empty stretches of {itemFrames} frames" : $"{items.Count} {what}, each {itemFrames} frames after {emptyFrames} empty ones ({edged} partly out of the frame, {hidden} behind a pole)";
        log(string.Create(CultureInfo.InvariantCulture, $"Wrote {output}: {shown}, " +
            $"{frames} frames at {s.Fps} fps, {s.Width}x{s.Height}, items {s.MinScale:0.##}..{s.MaxScale:0.##} of the height, light {s.MinLight:0.##}..{s.MaxLight:0.##}, on " +
            $"{(s.BackgroundImages is null ? "synthesised textures" : s.Textures ? $"photos from {s.BackgroundImages} and textures" : $"photos from {s.BackgroundImages}")}; truth in {truthPath} (empty stretches as '{s.BackgroundLabel}')."));
    }

    // The items in the order they are shown: classes take turns, so that consecutive items differ.
    private static (List<ClipItem> Items, string What) Items(Settings s, Random random)
    {
        if (DatasetLoader.IsIdx(s.Data))
        {
            (IdxFile.Content images, byte[] labels, string[] classes) = DatasetLoader.ReadIdxTestSplit(s.Data);
            if (classes.Contains(s.BackgroundLabel))
                throw new ArgumentException($"the dataset already has a class '{s.BackgroundLabel}'; empty stretches need a name of their own.");
            int rows = images.Dimensions[1], cols = images.Dimensions[2];
            List<int>[] byClass = classes.Select((_, c) => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).OrderBy(_ => random.Next()).Take(s.PerClass).ToList()).ToArray();
            if (byClass.Any(list => list.Count < s.PerClass)) throw new InvalidDataException($"{s.Data}: some class has fewer than {s.PerClass} test images.");
            List<int> order = [.. Enumerable.Range(0, s.PerClass).SelectMany(k => byClass.Select((list, c) => (list[k], c))).Where(p => Wanted(s, classes[p.c])).Select(p => p.Item1)];
            CheckOnly(s, classes);
            return ([.. order.Select(i => ClipItem.FromIdx(images.Data.AsSpan(i * rows * cols, rows * cols).ToArray(), rows, cols, classes[labels[i]], i))],
                $"test items ({s.PerClass} per class)");
        }
        Dictionary<string, List<string>> files = ClipItem.CutoutFiles(s.Data);
        if (files.ContainsKey(s.BackgroundLabel))
            throw new ArgumentException($"{s.Data} has a class folder '{s.BackgroundLabel}'; empty stretches need a name of their own (--background-label).");
        CheckOnly(s, [.. files.Keys]);
        // Each class's files shuffled, and shown again (elsewhere, at another size) when it has fewer than --per-class.
        List<string>[] chosen = [.. files.Where(f => Wanted(s, f.Key)).Select(f =>
        {
            string[] shuffled = [.. f.Value.OrderBy(_ => random.Next())];
            return Enumerable.Range(0, s.PerClass).Select(k => shuffled[k % shuffled.Length]).ToList();
        })];
        string[] names = [.. files.Keys.Where(k => Wanted(s, k))];
        var items = new List<ClipItem>();
        for (int k = 0; k < s.PerClass; k++)
        {
            for (int c = 0; c < chosen.Length; c++) items.Add(ClipItem.FromCutout(chosen[c][k], names[c]));
        }
        return (items, $"cut-outs ({s.PerClass} per class, from {files.Sum(f => Wanted(s, f.Key) ? f.Value.Count : 0)} files)");
    }

    private static bool Wanted(Settings s, string label) => s.Only is null || s.Only == label;

    private static void CheckOnly(Settings s, IReadOnlyList<string> classes)
    {
        if (s.Only is not null && s.Only != s.BackgroundLabel && !classes.Contains(s.Only))
            throw new ArgumentException($"--only {s.Only}: not a class of {s.Data} ({string.Join(", ", classes)}) nor the background label '{s.BackgroundLabel}'.");
    }

    // A stretch's light: a level between the settings' bounds and a slight colour cast (BGR).
    private static Scalar Light(Settings s, Random random)
    {
        double level = s.MinLight + random.NextDouble() * (s.MaxLight - s.MinLight);
        double Cast() => level * (1 + (random.NextDouble() * 2 - 1) * 0.08);
        return s.MinLight == 1 && s.MaxLight == 1 ? Scalar.All(1) : new Scalar(Cast(), Cast(), Cast());
    }

    // The item warped onto the background: its longer side a random share of the frame height, rotated, mirrored half
    // the time; inside the frame, or (a share of them) with a fifth to a half of it beyond an edge; and, for a share,
    // a pole in front of it. Returns which of the two it got.
    private static (bool Edge, bool Pole) Place(ClipItem item, Mat background, Mat scene, Settings s, Random random)
    {
        int rows = item.Colour.Rows, cols = item.Colour.Cols;
        double side = (s.MinScale + random.NextDouble() * (s.MaxScale - s.MinScale)) * s.Height;
        double zoom = side / Math.Max(rows, cols);
        double angle = (random.NextDouble() * 2 - 1) * s.Rotate;
        double radians = angle * Math.PI / 180, c = Math.Abs(Math.Cos(radians)), n = Math.Abs(Math.Sin(radians));
        double boxWidth = zoom * (cols * c + rows * n), boxHeight = zoom * (cols * n + rows * c);
        double fit = Math.Min(1, Math.Min(s.Width / boxWidth, s.Height / boxHeight));
        zoom *= fit; boxWidth *= fit; boxHeight *= fit;
        double cx = boxWidth / 2 + random.NextDouble() * (s.Width - boxWidth);
        double cy = boxHeight / 2 + random.NextDouble() * (s.Height - boxHeight);
        bool edge = random.NextDouble() < s.Edge;
        if (edge)
        {
            // Past the left, right or bottom edge (a visitor walks in; nothing hangs from the top).
            double outside = 0.2 + random.NextDouble() * 0.3;
            switch (random.Next(3))
            {
                case 0: cx = boxWidth / 2 - outside * boxWidth; break;
                case 1: cx = s.Width - boxWidth / 2 + outside * boxWidth; break;
                default: cy = s.Height - boxHeight / 2 + outside * boxHeight; break;
            }
        }
        using Mat transform = Cv2.GetRotationMatrix2D(new Point2f(cols / 2f, rows / 2f), angle, zoom);
        if (random.NextDouble() < 0.5)
        {
            // Mirror: x' = cols - x before the rotation, folded into the matrix.
            transform.Set(0, 0, -transform.At<double>(0, 0));
            transform.Set(1, 0, -transform.At<double>(1, 0));
            transform.Set(0, 2, transform.At<double>(0, 2) + cols * -transform.At<double>(0, 0));
            transform.Set(1, 2, transform.At<double>(1, 2) + cols * -transform.At<double>(1, 0));
        }
        transform.Set(0, 2, transform.At<double>(0, 2) + cx - cols / 2.0);
        transform.Set(1, 2, transform.At<double>(1, 2) + cy - rows / 2.0);
        var size = new Size(s.Width, s.Height);
        using var warpedItem = new Mat();
        using var warpedMask = new Mat();
        Cv2.WarpAffine(item.Colour, warpedItem, transform, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        Cv2.WarpAffine(item.Opacity, warpedMask, transform, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        Blend(warpedItem, warpedMask, background, scene);

        bool pole = random.NextDouble() < s.Occlusion;
        if (pole)
        {
            // A post or trunk near the item's middle, 4 to 9 % of the frame wide, leaning a little; dark wood or metal.
            double x = cx + (random.NextDouble() * 2 - 1) * boxWidth * 0.25;
            double lean = (random.NextDouble() * 2 - 1) * 0.15 * s.Height;
            int thickness = (int)Math.Round((0.04 + random.NextDouble() * 0.05) * s.Width);
            double shade = 30 + random.NextDouble() * 70;
            var colour = new Scalar(shade * 0.8, shade * 0.9, shade * (1 + random.NextDouble() * 0.3));
            Cv2.Line(scene, new Point(x - lean, -10), new Point(x + lean, s.Height + 10), colour, thickness, LineTypes.AntiAlias);
        }
        return (edge, pole);
    }

    // scene = item * a + background * (1 - a), a the opacity in 0..1.
    private static void Blend(Mat item, Mat opacity, Mat background, Mat scene)
    {
        using var alpha = new Mat();
        using var alpha3 = new Mat();
        opacity.ConvertTo(alpha, MatType.CV_32FC1, 1 / 255.0);
        Cv2.Merge([alpha, alpha, alpha], alpha3);
        using var front = new Mat();
        using var back = new Mat();
        item.ConvertTo(front, MatType.CV_32FC3);
        background.ConvertTo(back, MatType.CV_32FC3);
        using var inverse = new Mat();
        Cv2.Subtract(Scalar.All(1), alpha3, inverse);
        Cv2.Multiply(front, alpha3, front);
        Cv2.Multiply(back, inverse, back);
        Cv2.Add(front, back, front);
        front.ConvertTo(scene, MatType.CV_8UC3);
    }

    // Photos (shuffled, cropped to the frame's aspect) and textures take turns, one per run of items (or photos only).
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
                if (photos.Length > 0 && (!s.Textures || i % 2 == 0))
                {
                    result.Add(Photo(photos[(s.Textures ? i / 2 : i) % photos.Length], s.Width, s.Height));
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
