using System.CommandLine;
using EdgeCnn.CommandLine;
using System.Diagnostics;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>capture</c>: saves frames from the configured camera (cropped to the configured region, which is what the
/// model will see) as <c>dataset/LABEL/*.jpg</c>, the image-folder layout the trainer reads.
/// </summary>
internal static class CaptureCommand
{
    public static Command Create()
    {
        var label = new Option<string?>("--label") { Description = "The class these frames show; they go to OUTPUT/LABEL/. Use 'background' for the empty scene." };
        var video = new Option<double?>("--video") { Description = "Record a clip of this many seconds instead (OUTPUT is the .mp4 or .avi); type a label and Enter while it records to mark what is in view from then on (an empty line: nothing), and the truth file is written beside it." };
        var count = new Option<int>("--count") { Description = "How many frames to save.", DefaultValueFactory = _ => 20 };
        var interval = new Option<double>("--interval") { Description = "Seconds between saved frames (move the object between them).", DefaultValueFactory = _ => 1.0 };
        var output = new Option<string?>("--output", "-o") { Description = "The dataset folder (default: dataset), or with --video the clip (default: clip.mp4)." };
        var command = new Command("capture", "Save frames from the camera as training images: OUTPUT/LABEL/LABEL-TIME.jpg (train with: edgecnn-train train --data OUTPUT); or, with --video, record a clip to run the device on.");
        command.Options.Add(video);
        command.Options.Add(label);
        command.Options.Add(count);
        command.Options.Add(interval);
        command.Options.Add(output);
        command.SetAction(result =>
        {
            using CancellationTokenSource stop = StopSignal.Listen(out IDisposable registration);
            using (registration)
            {
                if (result.GetValue(video) is double seconds)
                {
                    if (result.GetValue(label) is not null) throw new ArgumentException("--label and --video do not go together: with --video, type labels while it records.");
                    return ClipRecorder.Run(result.GetValue(DeviceCommandLine.Config), seconds, result.GetValue(output) ?? "clip.mp4", Console.In, Console.Out, stop.Token);
                }
                string name = result.GetValue(label) ?? throw new ArgumentException("--label is required: the class these frames show (or --video SECONDS to record a clip).");
                return Run(result.GetValue(DeviceCommandLine.Config), name, result.GetValue(count), result.GetValue(interval),
                    result.GetValue(output) ?? "dataset", Console.Out, stop.Token);
            }
        });
        return command;
    }

    public static int Run(string? configFile, string label, int count, double intervalSeconds, string dataset, TextWriter output, CancellationToken stop)
    {
        if (string.IsNullOrWhiteSpace(label) || label.IndexOfAny([.. Path.GetInvalidFileNameChars(), '.']) >= 0)
            throw new ArgumentException($"--label '{label}' must be a plain folder name (letters, digits, '-', '_').");
        if (count < 1) throw new ArgumentException($"--count is {count}; save at least 1 frame.");
        if (intervalSeconds < 0) throw new ArgumentException($"--interval is {intervalSeconds}; use 0 or more seconds.");
        using IHost host = DeviceHost.Build(configFile, builder => builder.Logging.ClearProviders());
        SourceOptions options = host.Services.GetRequiredService<IOptions<SourceOptions>>().Value;
        string folder = Path.Combine(dataset, label);
        Directory.CreateDirectory(folder);
        using IFrameSource source = FrameSourceFactory.Open(options);
        using var region = new RegionOfInterest(options.Region);
        using var frame = new Mat();
        output.WriteLine($"capturing {count} frame(s) of '{label}' from {source.Description} every {intervalSeconds:0.##} s into {Path.GetFullPath(folder)}");
        int saved = 0;
        long lastSave = 0;
        long every = (long)(intervalSeconds * Stopwatch.Frequency);
        // Frames are read continuously, not only when one is due, so that the saved one is fresh, not a buffered one.
        while (saved < count && !stop.IsCancellationRequested)
        {
            if (!source.TryRead(frame))
            {
                output.WriteLine($"the source stopped: {source.LastProblem}");
                break;
            }
            if (saved > 0 && Stopwatch.GetTimestamp() - lastSave < every) continue;
            lastSave = Stopwatch.GetTimestamp();
            string path = UniquePath(folder, label);
            if (!Cv2.ImWrite(path, region.Apply(frame), new ImageEncodingParam(ImwriteFlags.JpegQuality, 95)))
                throw new IOException($"{path}: the image could not be written.");
            saved++;
            output.WriteLine($"  {saved}/{count}  {path}");
        }
        output.WriteLine($"saved {saved} frame(s) in {folder}. Train with: edgecnn-train train --data {dataset}");
        return saved == count ? 0 : 1;
    }

    private static string UniquePath(string folder, string label)
    {
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss-fff", System.Globalization.CultureInfo.InvariantCulture);
        string path = Path.Combine(folder, $"{label}-{stamp}.jpg");
        for (int n = 2; File.Exists(path); n++) path = Path.Combine(folder, $"{label}-{stamp}-{n}.jpg");
        return path;
    }
}
