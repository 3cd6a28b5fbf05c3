using System.Globalization;
using System.Text;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>capture --video SECONDS</c>: records whole frames from the configured source into a clip the device can run on
/// (Source:Type file). Lines typed while it records label what is in view from that frame on, and become the clip's
/// truth file, so the run on it is scored frame by frame and event by event.
/// </summary>
internal static class ClipRecorder
{
    public static int Run(string? configFile, double seconds, string clip, TextReader labels, TextWriter output, CancellationToken stop)
    {
        if (!(seconds > 0)) throw new ArgumentException($"--video {seconds}: record for a positive number of seconds.");
        string extension = Path.GetExtension(clip).ToLowerInvariant();
        if (extension is not (".mp4" or ".avi")) throw new ArgumentException($"-o {clip}: a clip is .mp4 or .avi.");
        using IHost host = DeviceHost.Build(configFile, builder => builder.Logging.ClearProviders());
        SourceOptions options = host.Services.GetRequiredService<IOptions<SourceOptions>>().Value;
        using IFrameSource source = FrameSourceFactory.Open(options);
        using var frame = new Mat();
        if (!source.TryRead(frame)) throw new IOException($"{source.Description}: no first frame ({source.LastProblem}).");

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(clip))!);
        int fps = options.FramesPerSecond;
        int total = (int)Math.Round(seconds * fps);
        FourCC codec = extension == ".avi" ? FourCC.MJPG : FourCC.FromFourChars('m', 'p', '4', 'v');
        using var writer = new VideoWriter(clip, codec, fps, frame.Size());
        if (!writer.IsOpened()) throw new IOException($"{clip}: OpenCV cannot write this video here (use .mp4 or .avi).");

        // Labels arrive on another thread (a blocking console read); the recording loop only looks at the latest.
        string? current = null;
        var marks = new List<(int Frame, string Label)>();
        int written = 0;
        var reader = new Thread(() =>
        {
            while (labels.ReadLine() is string line)
            {
                string label = line.Trim().Length == 0 ? ClipTruth.EmptyLabel : line.Trim();
                lock (marks) marks.Add((Volatile.Read(ref written), label));
                Volatile.Write(ref current, label);
            }
        }) { IsBackground = true, Name = "label input" };
        output.WriteLine($"recording {seconds:0.##} s ({total} frames at {fps} fps) from {source.Description} into {Path.GetFullPath(clip)}.");
        output.WriteLine($"Type what is in view and Enter when it changes (an empty line: nothing, '{ClipTruth.EmptyLabel}'); Ctrl+C stops early.");
        reader.Start();
        do
        {
            writer.Write(frame);
            Volatile.Write(ref written, written + 1);
            if (written % fps == 0) output.WriteLine($"  {written / fps} s{(Volatile.Read(ref current) is string shown ? $"  ({shown})" : "")}");
        }
        while (written < total && !stop.IsCancellationRequested && source.TryRead(frame));

        List<(int Frame, string Label)> stretches;
        lock (marks) stretches = [.. marks.Where(m => m.Frame < written)];
        if (stretches.Count == 0)
        {
            output.WriteLine($"recorded {written} frames; no labels typed, so no truth file. Run the device on it with Source:Type file, Source:Path {clip}.");
            return ExitCodes.Success;
        }
        string truthPath = Path.ChangeExtension(clip, ".truth.csv");
        var truth = new StringBuilder("first_frame,last_frame,label\n");
        // Frames before the first label are left out of the truth: they are not scored.
        for (int i = 0; i < stretches.Count; i++)
        {
            int last = i + 1 < stretches.Count ? stretches[i + 1].Frame - 1 : written - 1;
            if (last >= stretches[i].Frame) truth.Append(CultureInfo.InvariantCulture, $"{stretches[i].Frame},{last},{stretches[i].Label}\n");
        }
        File.WriteAllText(truthPath, truth.ToString());
        output.WriteLine($"recorded {written} frames; truth in {truthPath}. Run the device on it with Source:Type file, Source:Path {clip}, Source:TruthFile {truthPath}.");
        return ExitCodes.Success;
    }
}
