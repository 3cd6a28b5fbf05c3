using System.Diagnostics;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Rules;
using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// The per-frame work from a captured frame to rule events: crop the region, prepare the tensor (the one
/// preprocessing the trainer shares), infer, or let the motion gate repeat the last answer, and update the rules.
/// The service's frame loop and <c>bench</c> both run this, so <c>bench</c> measures what the service does.
/// Allocation-free in steady state; not thread-safe (one frame loop owns it).
/// </summary>
public sealed class FramePipeline : IDisposable
{
    private readonly RuleEvent[] _events;

    /// <summary>The pipeline for <paramref name="manifest"/>'s model, the source's region and the rules.</summary>
    public FramePipeline(ModelManifest manifest, RegionOptions region, IReadOnlyList<RuleOptions> rules, MotionGateOptions motion)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(motion);
        Region = new RegionOfInterest(region);
        Engine = new RuleEngine(rules, manifest.Labels, manifest.BackgroundLabel, manifest.UnknownBelow);
        Motion = motion.Enabled ? new MotionGate(motion.Threshold, manifest.Preprocessing) : null;
        _events = new RuleEvent[Engine.Rules.Count];
    }

    /// <summary>The part of each frame the model sees.</summary>
    public RegionOfInterest Region { get; }

    /// <summary>The rules, and which are active.</summary>
    public RuleEngine Engine { get; }

    /// <summary>The motion gate, when <c>MotionGate:Enabled</c>.</summary>
    public MotionGate? Motion { get; }

    /// <summary>The events of the last <see cref="Run"/>: its first <c>count</c> entries.</summary>
    public ReadOnlySpan<RuleEvent> Events => _events;

    /// <summary>Whether a model with <paramref name="manifest"/> wants the source's luma plane instead of colour.</summary>
    public static bool WantsGray(ModelManifest manifest) => manifest.Preprocessing.Channels == 1;

    /// <summary>
    /// Runs one frame through <paramref name="classifier"/> and the rules; returns how many rule events it made (in
    /// <see cref="Events"/>), the top class, whether the motion gate skipped inference, and each stage's time.
    /// </summary>
    public int Run(OnnxClassifier classifier, Mat frame, long number, DateTimeOffset time, out Classification top, out bool skipped, out StageTimes times)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        long t0 = Stopwatch.GetTimestamp();
        classifier.Prepare(Region.Apply(frame));
        long t1 = Stopwatch.GetTimestamp();
        skipped = false;
        top = Motion is null ? classifier.Infer() : Motion.Infer(classifier, out skipped);
        long t2 = Stopwatch.GetTimestamp();
        int count = Engine.Update(classifier.Probabilities, number, time, _events);
        long t3 = Stopwatch.GetTimestamp();
        times = new StageTimes(t1 - t0, t2 - t1, t3 - t2);
        return count;
    }

    /// <summary>A new model is in use from the next frame: its open-set threshold for the rules, its input for the motion gate.</summary>
    public void ModelChanged(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Engine.ModelUnknownBelow = manifest.UnknownBelow;
        Motion?.Reset(manifest.Preprocessing);
    }

    /// <summary>Releases the region's buffers.</summary>
    public void Dispose() => Region.Dispose();
}

/// <summary>One frame's stage times in <see cref="Stopwatch"/> ticks: preparing the tensor, inference, the rules.</summary>
public readonly record struct StageTimes(long Preprocess, long Inference, long Decision);
