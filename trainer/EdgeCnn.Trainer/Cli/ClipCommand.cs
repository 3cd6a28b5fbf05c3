using System.CommandLine;
using System.Globalization;
using System.Text;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Scene;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Cli;

/// <summary>
/// <c>clip</c>: a video of test images shown one after another at camera scale, with a truth file of which frames
/// show which class, so the device can be run and scored on images the model never trained on.
/// </summary>
internal static class ClipCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "An IDX dataset: fashion-mnist, or a folder with t10k-*-ubyte files (only its test split is used); with --scene also a folder of cut-outs, root/<class>/*.png with an alpha channel.", DefaultValueFactory = _ => DatasetLoader.FashionMnistName };
        var perClass = new Option<int>("--per-class") { Description = "Test images per class.", DefaultValueFactory = _ => 4 };
        var seconds = new Option<double>("--seconds") { Description = "How long each image is shown.", DefaultValueFactory = _ => 1.0 };
        var fps = new Option<int>("--fps") { Description = "Frames per second of the clip.", DefaultValueFactory = _ => 15 };
        var width = new Option<int>("--width") { Description = "Frame width.", DefaultValueFactory = _ => 640 };
        var height = new Option<int>("--height") { Description = "Frame height.", DefaultValueFactory = _ => 480 };
        var scale = new Option<int>("--scale") { Description = "Each image is enlarged this many times (nearest neighbour) and centred.", DefaultValueFactory = _ => 16 };
        var seed = new Option<int>("--seed") { Description = "Chooses which test images.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "The clip (.mp4 or .avi); the truth file goes beside it as NAME.truth.csv.", Required = true };
        var scene = new Option<bool>("--scene") { Description = "A camera-like clip: items at random size, place and rotation on backgrounds, with light drift, sensor noise and empty stretches between them." };
        var emptySeconds = new Option<double>("--empty-seconds") { Description = "--scene: how long the empty scene shows before each item.", DefaultValueFactory = _ => 0.8 };
        var backgroundImages = new Option<string?>("--background-images") { Description = "--scene: a folder of photos to use as backgrounds, taking turns with synthesised textures (default: textures only)." };
        var sceneScale = new Option<string>("--scene-scale") { Description = "--scene: item size range as MIN..MAX fractions of the frame height.", DefaultValueFactory = _ => SceneLook.Clip.ScaleRange };
        var noise = new Option<double>("--noise") { Description = "--scene: sensor-noise standard deviation as a fraction of the pixel range.", DefaultValueFactory = _ => SceneLook.Clip.Noise };
        var backgroundLabel = new Option<string>("--background-label") { Description = "--scene: the truth file's name for empty stretches (the model's background class).", DefaultValueFactory = _ => "background" };
        var only = new Option<string?>("--only") { Description = "--scene: show only this class; with the background label, only empty stretches (--per-class of them, --seconds each): a clip to capture one class from." };
        var edge = new Option<double>("--edge") { Description = "--scene: share of items placed partly beyond the frame's edge.", DefaultValueFactory = _ => 0 };
        var poles = new Option<double>("--poles") { Description = "--scene: share of items with a pole in front of them.", DefaultValueFactory = _ => 0 };
        var light = new Option<string>("--light") { Description = "--scene: each stretch's light as MIN..MAX factors on the scene (1: the photo's own; 0.35: dusk).", DefaultValueFactory = _ => "1..1" };
        var rotate = new Option<double>("--scene-rotate") { Description = "--scene: largest item rotation in degrees.", DefaultValueFactory = _ => 25 };
        var noTextures = new Option<bool>("--no-textures") { Description = "--scene: photos only, no synthesised textures between them (one camera's views of one place)." };
        var perBackground = new Option<int>("--items-per-background") { Description = "--scene: items shown on one background before the next.", DefaultValueFactory = _ => 10 };
        var command = new Command("clip", "Make a sample clip from an IDX dataset's test images or from cut-outs, with a truth file (first_frame,last_frame,label) for scoring the device on it.");
        foreach (Option option in new Option[] { data, perClass, seconds, fps, width, height, scale, seed, output, scene, emptySeconds, backgroundImages, sceneScale, noise, backgroundLabel,
                     only, edge, poles, light, rotate, perBackground, noTextures })
            command.Options.Add(option);
        command.SetAction(result =>
        {
            if (result.GetValue(scene))
            {
                (double min, double max) = RangeOption.Parse(result.GetValue(sceneScale)!, "--scene-scale", SceneLook.Clip.ScaleRange);
                (double dark, double bright) = RangeOption.Parse(result.GetValue(light)!, "--light", "0.35..1.1");
                SceneClip.Write(new SceneClip.Settings
                {
                    Data = result.GetValue(data)!,
                    PerClass = result.GetValue(perClass),
                    Seconds = result.GetValue(seconds),
                    EmptySeconds = result.GetValue(emptySeconds),
                    Fps = result.GetValue(fps),
                    Width = result.GetValue(width),
                    Height = result.GetValue(height),
                    MinScale = min,
                    MaxScale = max,
                    Noise = result.GetValue(noise),
                    BackgroundImages = result.GetValue(backgroundImages),
                    BackgroundLabel = result.GetValue(backgroundLabel)!,
                    Only = result.GetValue(only),
                    Edge = result.GetValue(edge),
                    Occlusion = result.GetValue(poles),
                    MinLight = dark,
                    MaxLight = bright,
                    Rotate = result.GetValue(rotate),
                    ItemsPerBackground = result.GetValue(perBackground),
                    Textures = !result.GetValue(noTextures),
                    Seed = result.GetValue(seed),
                }, result.GetValue(output)!, Console.WriteLine);
                return ExitCodes.Success;
            }
            Write(result.GetValue(data)!, result.GetValue(perClass), result.GetValue(seconds), result.GetValue(fps), result.GetValue(width),
                result.GetValue(height), result.GetValue(scale), result.GetValue(seed), result.GetValue(output)!, Console.WriteLine);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The truth file that belongs to a clip.</summary>
    public static string TruthPath(string clip) => Path.ChangeExtension(clip, ".truth.csv");

    public static void Write(string data, int perClass, double seconds, int fps, int width, int height, int scale, int seed, string output, Action<string> log)
    {
        if (perClass < 1) throw new ArgumentException($"--per-class is {perClass}; use at least 1.");
        if (seconds <= 0 || fps < 1) throw new ArgumentException("--seconds and --fps must be positive.");
        (IdxFile.Content images, byte[] labels, string[] classes) = DatasetLoader.ReadIdxTestSplit(data);
        int rows = images.Dimensions[1], cols = images.Dimensions[2];
        if (rows * scale > height || cols * scale > width)
            throw new ArgumentException($"--scale {scale} makes {cols * scale}x{rows * scale} images, larger than the {width}x{height} frame.");

        // Classes take turns (0, 1, 2, ..., 0, 1, ...) so that consecutive images differ, as a conveyor belt would show them.
        var random = new Random(seed);
        List<int>[] byClass = classes.Select((_, c) => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).OrderBy(_ => random.Next()).Take(perClass).ToList()).ToArray();
        if (byClass.Any(list => list.Count < perClass)) throw new InvalidDataException($"{data}: some class has fewer than {perClass} test images.");
        List<int> order = [.. Enumerable.Range(0, perClass).SelectMany(k => byClass.Select(list => list[k]))];

        string folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        Directory.CreateDirectory(folder);
        int framesPerImage = Math.Max(1, (int)Math.Round(seconds * fps));
        var left = (width - cols * scale) / 2;
        var top = (height - rows * scale) / 2;
        FourCC codec = Path.GetExtension(output).Equals(".avi", StringComparison.OrdinalIgnoreCase) ? FourCC.MJPG : FourCC.FromFourChars('m', 'p', '4', 'v');
        using (var writer = new VideoWriter(output, codec, fps, new Size(width, height)))
        {
            if (!writer.IsOpened()) throw new IOException($"{output}: OpenCV cannot write this video here (use .mp4 or .avi).");
            using var frame = new Mat(height, width, MatType.CV_8UC3, Scalar.All(0));
            using var placed = new Mat(frame, new Rect(left, top, cols * scale, rows * scale));
            using var enlarged = new Mat();
            using var colour = new Mat();
            foreach (int index in order)
            {
                using Mat image = Mat.FromPixelData(rows, cols, MatType.CV_8UC1, images.Data.AsMemory(index * rows * cols, rows * cols).ToArray());
                Cv2.Resize(image, enlarged, new Size(cols * scale, rows * scale), 0, 0, InterpolationFlags.Nearest);
                Cv2.CvtColor(enlarged, colour, ColorConversionCodes.GRAY2BGR);
                colour.CopyTo(placed);
                for (int f = 0; f < framesPerImage; f++) writer.Write(frame);
            }
        }
        var truth = new StringBuilder("first_frame,last_frame,label\n");
        for (int i = 0; i < order.Count; i++)
            truth.Append(CultureInfo.InvariantCulture, $"{i * framesPerImage},{(i + 1) * framesPerImage - 1},{classes[labels[order[i]]]}\n");
        File.WriteAllText(TruthPath(output), truth.ToString());
        log($"Wrote {output}: {order.Count} test images ({perClass} per class), {framesPerImage} frames each at {fps} fps, {width}x{height}; " +
            $"truth in {TruthPath(output)}. The image area is x {left}..{left + cols * scale - 1}, y {top}..{top + rows * scale - 1}: " +
            $"Source:Region X {left / (double)width:0.######}, Y {top / (double)height:0.######}, Width {cols * scale / (double)width:0.######}, Height {rows * scale / (double)height:0.######}.");
    }
}
