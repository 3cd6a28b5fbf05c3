using System.Diagnostics;
using Prometheus;

namespace EdgeCnn.Device.Statistics;

/// <summary>
/// What the frame loop measures about itself: per-stage latency, frame rate, drops, reconnects, and the bytes each
/// thread allocates per frame. Recording allocates nothing; reading makes copies for reports.
/// </summary>
public sealed class FrameStatistics
{
    private readonly SampleWindow[] _stages = Enum.GetValues<Stage>().Select(_ => new SampleWindow()).ToArray();
    private readonly Histogram _inferenceSeconds;
    private long _classified;
    private long _reconnects;
    private int _lastClass = -1;
    private float _lastProbability;

    /// <summary>Makes the windows and the Prometheus registry that <c>/metrics</c> exports.</summary>
    public FrameStatistics()
    {
        Registry = Metrics.NewCustomRegistry();
        _inferenceSeconds = Metrics.WithCustomRegistry(Registry).CreateHistogram("edgecnn_inference_seconds",
            "Time ONNX Runtime took to classify one frame.",
            new HistogramConfiguration { Buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1] });
    }

    /// <summary>The metrics registry: the inference histogram lives here; exporters add the counters.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Stopwatch timestamps of recently classified frames, for the frame rate.</summary>
    public SampleWindow ClassifiedAt { get; } = new(256);

    /// <summary>Bytes the frame loop thread allocated for each recent frame.</summary>
    public SampleWindow LoopAllocations { get; } = new();

    /// <summary>Bytes the capture thread allocated for each recent frame.</summary>
    public SampleWindow CaptureAllocations { get; } = new();

    /// <summary>Frames classified since start.</summary>
    public long FramesClassified => Interlocked.Read(ref _classified);

    /// <summary>Times the source was lost and reopened.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    private long _skipped;
    private long _rested;

    /// <summary>The top class of the last classified frame (-1 before the first) and its probability.</summary>
    public (int ClassIndex, float Probability) LastTop => (Volatile.Read(ref _lastClass), Volatile.Read(ref _lastProbability));

    /// <summary>The recent durations of <paramref name="stage"/>.</summary>
    public SampleWindow Durations(Stage stage) => _stages[(int)stage];

    /// <summary>Records how long <paramref name="stage"/> took, in Stopwatch ticks.</summary>
    public void Record(Stage stage, long elapsedTicks)
    {
        _stages[(int)stage].Add(elapsedTicks);
        if (stage == Stage.Inference) _inferenceSeconds.Observe(elapsedTicks / (double)Stopwatch.Frequency);
    }

    /// <summary>Time since the last classified frame, or null before the first.</summary>
    public TimeSpan? SinceLastFrame => ClassifiedAt.Last is { } last ? Stopwatch.GetElapsedTime(last) : null;

    /// <summary>Records a classified frame.</summary>
    public void RecordClassified(int classIndex, float probability)
    {
        Volatile.Write(ref _lastClass, classIndex);
        Volatile.Write(ref _lastProbability, probability);
        Interlocked.Increment(ref _classified);
        ClassifiedAt.Add(Stopwatch.GetTimestamp());
    }

    /// <summary>Records a reopened source.</summary>
    public void RecordReconnect() => Interlocked.Increment(ref _reconnects);

    /// <summary>Frames whose inference the motion gate skipped (their result was the last one's).</summary>
    public long InferencesSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Counts a frame the motion gate let through without inference.</summary>
    public void RecordSkipped() => Interlocked.Increment(ref _skipped);

    /// <summary>Frames taken but not classified because the motion sensor saw nothing (Inputs:MotionSensor).</summary>
    public long FramesRested => Interlocked.Read(ref _rested);

    /// <summary>Counts one frame not classified while the motion sensor saw nothing.</summary>
    public void RecordRested() => Interlocked.Increment(ref _rested);

    /// <summary>Frames classified per second over the recent window.</summary>
    public double FramesPerSecond()
    {
        long[] times = ClassifiedAt.Snapshot();
        if (times.Length < 2) return 0;
        double seconds = (times[^1] - times[0]) / (double)Stopwatch.Frequency;
        return seconds > 0 ? (times.Length - 1) / seconds : 0;
    }

    /// <summary>Median, 95th and 99th percentile of <paramref name="stage"/> in milliseconds.</summary>
    public (double P50, double P95, double P99) Latency(Stage stage)
    {
        long[] values = Durations(stage).Snapshot();
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return (Ms(SampleWindow.Percentile(values, 50)), Ms(SampleWindow.Percentile(values, 95)), Ms(SampleWindow.Percentile(values, 99)));
    }
}
