using System.CommandLine;
using System.Globalization;
using EdgeCnn.CommandLine;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Loop;
using EdgeCnn.Device.Inputs;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>tune</c>: which rule threshold suits this camera? The configured model classifies every frame of the configured
/// clip once (its region applied, as the service does), and the rules replay those frames at each threshold; one
/// row per threshold scores the triggers against the clip's truth file, and the best row that never fires on the
/// empty scene is suggested. Outputs are not switched.
/// </summary>
internal static class TuneCommand
{
    private static readonly float[] DefaultThresholds = [0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f];

    public static Command Create()
    {
        var thresholds = new Option<string>("--thresholds")
        {
            Description = "The thresholds to try, comma-separated probabilities; every rule takes each in turn, its release threshold kept as far below as configured.",
            DefaultValueFactory = _ => string.Join(',', DefaultThresholds.Select(t => t.ToString(CultureInfo.InvariantCulture))),
        };
        var command = new Command("tune", "Score the rules at several thresholds on a clip with its truth file (Source:Path and Source:TruthFile; record one with capture --video) and suggest one. The model runs once per frame; outputs are not switched.");
        command.Options.Add(thresholds);
        command.SetAction(result =>
        {
            float[] values = ParseThresholds(result.GetValue(thresholds)!);
            using CancellationTokenSource stop = StopSignal.Listen(out IDisposable registration);
            using (registration) return Run(result.GetValue(DeviceCommandLine.Config), values, Console.Out, Console.Error, stop.Token);
        });
        return command;
    }

    /// <summary>Reads <c>--thresholds</c>; a value that is not a probability in (0, 1] is refused by name.</summary>
    public static float[] ParseThresholds(string text)
    {
        var values = new List<float>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !(value is > 0 and <= 1))
                throw new ArgumentException($"--thresholds: '{part}' is not a probability in (0, 1]; write them like 0.5,0.6,0.7.");
            values.Add(value);
        }
        if (values.Count == 0) throw new ArgumentException("--thresholds is empty; write them like 0.5,0.6,0.7.");
        return [.. values.Distinct().Order()];
    }

    public static int Run(string? configFile, IReadOnlyList<float> thresholds, TextWriter output, TextWriter progress, CancellationToken stop)
    {
        using IHost host = DeviceHost.Build(configFile, builder => builder.Logging.ClearProviders());
        ModelOptions configured = host.Services.GetRequiredService<IOptions<ModelOptions>>().Value;
        SourceOptions sourceOptions = host.Services.GetRequiredService<IOptions<SourceOptions>>().Value;
        RuleList rules = host.Services.GetRequiredService<IOptions<RuleList>>().Value;
        if (!sourceOptions.IsClip || sourceOptions.TruthFile.Length == 0)
            throw new ArgumentException("tune scores a clip against its truth: set Source:Type to file, Source:Path to the clip and Source:TruthFile to its truth file " +
                                        "(capture --video records both).");
        if (rules.Count == 0) throw new ArgumentException("tune tries thresholds for the rules, and the settings have none: add a rule under Rules (docs/rules.md).");
        // Once through the clip, whatever the settings say about looping.
        sourceOptions.Loop = false;

        // The twin the service would run (Model:Precision), opened as the service opens it.
        PrecisionChoice precision = PrecisionChoice.Choose(configured);
        ModelOptions model = configured.WithPath(precision.Path);
        using OnnxClassifier classifier = OnnxClassifier.Open(model.Path, model.ToClassifierOptions());
        ModelManifest manifest = classifier.Manifest;
        // The service's per-frame step (region, tensor, inference, rules), without the motion gate: every frame is
        // classified. Building it validates the rules against the model's labels, naming the key of a bad one.
        using var step = new FramePipeline(manifest, sourceOptions.Region, rules, new MotionGateOptions { Enabled = false });
        ClipTruth truth = ClipTruth.Load(sourceOptions.TruthFile, manifest.Labels, manifest.BackgroundLabel);
        using IFrameSource source = FrameSourceFactory.Open(sourceOptions);
        if (FramePipeline.WantsGray(manifest)) source.DeliverGray(true);
        var sweep = new ThresholdSweep(manifest, truth, FrameSourceFactory.ClipFramesPerSecond(source, sourceOptions));
        using var frame = new Mat();
        while (!stop.IsCancellationRequested && source.TryRead(frame))
        {
            step.Run(classifier, frame, sweep.Frames + 1, DateTimeOffset.UnixEpoch, out _, out _, out _);
            sweep.Add(classifier.Probabilities);
            if (sweep.Frames % 250 == 0) progress.WriteLine($"tune: classified {sweep.Frames} of {truth.Frames} frames ...");
        }
        if (stop.IsCancellationRequested) return ExitCodes.Cancelled;
        if (sweep.Frames == 0) throw new InvalidDataException($"{sourceOptions.Path}: no frame could be read ({source.LastProblem}).");
        if (sweep.Frames < truth.Frames)
            progress.WriteLine($"tune: warning: the clip has {sweep.Frames} frames and its truth file describes {truth.Frames}; the rest are not scored.");

        Report(output, sourceOptions, model, precision, manifest, rules, sweep, thresholds);
        NotReplayed(output, host.Services, sourceOptions);
        return ExitCodes.Success;
    }

    private static void Report(TextWriter output, SourceOptions source, ModelOptions model, PrecisionChoice precision, ModelManifest manifest, RuleList rules,
        ThresholdSweep sweep, IReadOnlyList<float> thresholds)
    {
        var c = CultureInfo.InvariantCulture;
        (long shown, long correct) = sweep.Replay(rules).Score();
        output.WriteLine(string.Create(c, $"tune: {source.Path} ({sweep.Frames} frames) against {source.TruthFile}; model {model.Path} ({precision.Precision}: {precision.Why}; " +
            $"open-set threshold {manifest.UnknownBelow:0.###}: below it a frame is unknown, whatever the rule's threshold): {100.0 * correct / Math.Max(1, shown):0.0} % of the frames right (the rules do not change that)"));
        output.WriteLine("configured: " + string.Join("; ", rules.Select(r => string.Create(c, $"{r.Name} ({r.Class}) Threshold {r.Threshold:0.###}, ReleaseThreshold {r.ReleaseThreshold:0.###}"))));
        output.WriteLine("every rule at each threshold, its release threshold as far below as configured (the first rule's shown):");
        output.WriteLine($"  {"threshold",9}  {"release",7}  {"triggers",8}  {"precision",9}  {"recall",16}  {"on empty",8}  {"latency (frames)",16}");
        IReadOnlyList<ThresholdSweep.Row> rows = sweep.Sweep(rules, thresholds);
        foreach (ThresholdSweep.Row row in rows)
        {
            ClassTally.EventScore e = row.Events;
            string recall = string.Create(c, $"{e.Recall:0.00} ({e.ItemsTriggered} of {e.WatchedItems})");
            output.WriteLine(string.Create(c, $"  {row.Threshold,9:0.00#}  {row.ReleaseThreshold,7:0.00#}  {e.Triggers,8}  {e.Precision,9:0.00}  {recall,16}  {e.OnEmpty,8}  {e.MeanLatencyFrames,16:0.0}"));
        }
        string least = ThresholdSweep.SuggestedPrecision.ToString("0.00", c);
        if (ThresholdSweep.Suggest(rows) is { } best)
        {
            string suggested = string.Create(c, $"Threshold {best.Threshold:0.00#} (ReleaseThreshold {best.ReleaseThreshold:0.00#} for the first rule)");
            output.WriteLine($"suggested: {suggested}: the most watched items with no trigger on an empty stretch and precision at least {least}. " +
                             "Set it for each rule in your settings (Rules:N:Threshold, and Rules:N:ReleaseThreshold as far below as before); a clip of other days and light tells whether it holds.");
        }
        else
        {
            output.WriteLine($"suggested: none: no threshold here triggers for any watched item with precision at least {least} and no trigger on an empty stretch. " +
                             "The model needs more than a threshold: run the device on the clip to see which frames it fires on, then capture more of what it " +
                             "mistakes (the empty scene, or the class it confuses) and train again.");
        }
    }

    // What a run of the service does that a replay does not, so that a user comparing the two knows why they differ.
    private static void NotReplayed(TextWriter output, IServiceProvider services, SourceOptions source)
    {
        var notes = new List<string>();
        if (source.Realtime) notes.Add("Source:Realtime is true: in real time the service drops frames the model cannot keep up with, tune classifies them all");
        if (services.GetRequiredService<IOptions<MotionGateOptions>>().Value.Enabled) notes.Add("MotionGate:Enabled: the service repeats the last answer on still frames, tune classifies them all");
        if (services.GetRequiredService<IOptions<InputsOptions>>().Value.MotionSensor.Pin >= 0)
            notes.Add("Inputs:MotionSensor: the service classifies fewer frames while the sensor sees nothing, tune classifies them all");
        foreach (string note in notes) output.WriteLine($"note: {note}.");
    }
}
