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
        var clip = new ClipArguments();
        var command = new Command("clip", "Make a sample clip from an IDX dataset's test images or from cut-outs, with a truth file (first_frame,last_frame,label) for scoring the device on it.");
        clip.AddTo(command);
        command.SetAction(result =>
        {
            if (result.GetValue(clip.Scene))
            {
                SceneClip.Write(clip.ReadScene(result), result.GetValue(clip.Output)!, Console.WriteLine);
                return ExitCodes.Success;
            }
            Write(result.GetValue(clip.Data)!, result.GetValue(clip.PerClass), result.GetValue(clip.Seconds), result.GetValue(clip.Fps), result.GetValue(clip.Width),
                result.GetValue(clip.Height), result.GetValue(clip.Scale), result.GetValue(clip.Seed), result.GetValue(clip.Output)!, Console.WriteLine);
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
