using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeCnn.CommandLine;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Loop;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp.Dnn;
using OpenCvSharp;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>bench</c>: the configured source and model, frame by frame on one thread, with each stage timed (capture,
/// preprocess, inference, decision), the bytes each allocates per frame, and optionally OpenCV DNN running the
/// same model on the same tensors for comparison.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var frames = new Option<int>("--frames") { Description = "Frames to measure.", DefaultValueFactory = _ => 300 };
        var warmup = new Option<int>("--warmup") { Description = "Frames to run first, unmeasured (lazy initialisation, caches).", DefaultValueFactory = _ => 30 };
        var dnn = new Option<bool>("--opencv-dnn") { Description = "Also run the model with OpenCV DNN on the same input tensors and compare latency and top-1." };
        var command = new Command("bench", "Per-stage latency (p50/p95/p99), frames per second and allocated bytes per frame for the configured source and model. Outputs are not switched.");
        command.Options.Add(frames);
        command.Options.Add(warmup);
        command.Options.Add(dnn);
        command.SetAction(result =>
        {
            int count = result.GetValue(frames), warm = result.GetValue(warmup);
            if (count < 10) throw new ArgumentException($"--frames is {count}; measure at least 10.");
            if (warm < 0) throw new ArgumentException($"--warmup is {warm}; use 0 or more.");
            using CancellationTokenSource stop = StopSignal.Listen(out IDisposable registration);
            using (registration) return Run(result.GetValue(DeviceCommandLine.Config), count, warm, result.GetValue(dnn), Console.Out, stop.Token);
        });
        return command;
    }

    public static int Run(string? configFile, int frames, int warmup, bool compareOpenCvDnn, TextWriter output, CancellationToken stop)
    {
        using IHost host = DeviceHost.Build(configFile, builder => builder.Logging.ClearProviders());
        ModelOptions configured = host.Services.GetRequiredService<IOptions<ModelOptions>>().Value;
        // The twin the service would run (Model:Precision: fp32, int8, or auto timed here), as the service opens it.
        PrecisionChoice precision = PrecisionChoice.Choose(configured);
        ModelOptions model = configured.WithPath(precision.Path);
        SourceOptions sourceOptions = host.Services.GetRequiredService<IOptions<SourceOptions>>().Value;
        RuleList rules = host.Services.GetRequiredService<IOptions<RuleList>>().Value;
        MotionGateOptions motion = host.Services.GetRequiredService<IOptions<MotionGateOptions>>().Value;
        // A clip is looped so that it lasts as many frames as asked for.
        if (sourceOptions.IsClip) sourceOptions.Loop = true;

        using OnnxClassifier classifier = OnnxClassifier.Open(model.Path, model.ToClassifierOptions());
        // The service's own per-frame step, so that what is measured is what the service does (outputs aside).
        using var step = new FramePipeline(classifier.Manifest, sourceOptions.Region, rules, motion);
        using IFrameSource source = FrameSourceFactory.Open(sourceOptions);
        // As the service does: a 1-channel model gets the luma plane where the source can give it.
        bool gray = FramePipeline.WantsGray(classifier.Manifest) && source.DeliverGray(true);
        using var frame = new Mat();
        using Net? net = compareOpenCvDnn ? CvDnn.ReadNetFromOnnx(model.Path) ?? throw new InvalidOperationException($"{model.Path}: OpenCV DNN cannot read the model.") : null;
        PreprocessingSpec p = classifier.Manifest.Preprocessing;
        float[] dnnInput = new float[p.TensorLength];
        using Mat blob = Mat.FromPixelData([1, p.Channels, p.Height, p.Width], MatType.CV_32FC1, dnnInput);

        output.WriteLine($"bench: {source.Description} ({(gray ? "gray: the luma plane" : "BGR")}); model {model.FullPath} ({precision.Precision}: {precision.Why}; {classifier.Manifest.Architecture}, input {p.Width}x{p.Height}x{p.Channels}); " +
                         $"ONNX Runtime {model.IntraOpThreads} thread(s); {warmup} warm-up + {frames} measured frames");
        var measurements = new Measurements(frames);
        Measure(new Rig(source, frame, step, classifier, net, blob, dnnInput), warmup, frames, stop, ref measurements);
        int measured = measurements.Stages[Stage.Capture].Count;
        if (measured == 0) return ExitCodes.Cancelled;
        double elapsed = Stopwatch.GetElapsedTime(measurements.Started).TotalSeconds;
        Report(output, in measurements, measured, elapsed, net is not null, step.Motion is not null ? motion : null);
        return ExitCodes.Success;
    }

    // What runs each frame: the service's step on the source's frames and, when compared, OpenCV DNN on the same tensors.
    private readonly record struct Rig(IFrameSource Source, Mat Frame, FramePipeline Step, OnnxClassifier Classifier, Net? Net, Mat Blob, float[] DnnInput);

    // The measured frames' stage times and allocated bytes, and what the motion gate and OpenCV DNN did with them.
    private struct Measurements
    {
        public readonly List<long> InferredTimes;
        public readonly Dictionary<Stage, List<long>> Stages;
        public readonly List<long> DnnTimes;
        public long CaptureBytes, PipelineBytes;
        public int CaptureAllocatingFrames, PipelineAllocatingFrames;
        public int Skipped, Agree;
        public long Started;

        public Measurements(int frames)
        {
            InferredTimes = new List<long>(frames);
            Stages = Enum.GetValues<Stage>().ToDictionary(s => s, _ => new List<long>(frames));
            DnnTimes = new List<long>(frames);
        }
    }

    private static void Measure(in Rig rig, int warmup, int frames, CancellationToken stop, ref Measurements m)
    {
        for (int i = 0; i < warmup + frames && !stop.IsCancellationRequested; i++)
        {
            if (i == warmup) m.Started = Stopwatch.GetTimestamp();
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            if (!rig.Source.TryRead(rig.Frame)) throw new InvalidOperationException(rig.Source.LastProblem ?? "the source delivered no frame");
            long t1 = Stopwatch.GetTimestamp();
            long a1 = GC.GetAllocatedBytesForCurrentThread();
            rig.Step.Run(rig.Classifier, rig.Frame, i, DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(i / 15.0), out Classification top, out bool still, out StageTimes times);
            long a2 = GC.GetAllocatedBytesForCurrentThread();
            if (rig.Net is not null) CompareOpenCvDnn(rig, top, measuring: i >= warmup, ref m);
            if (i < warmup) continue;
            m.Stages[Stage.Capture].Add(t1 - t0);
            m.Stages[Stage.Preprocess].Add(times.Preprocess);
            m.Stages[Stage.Inference].Add(times.Inference);
            if (still) m.Skipped++;
            else m.InferredTimes.Add(times.Inference);
            m.Stages[Stage.Decision].Add(times.Decision);
            m.CaptureBytes += a1 - a0;
            m.PipelineBytes += a2 - a1;
            if (a1 > a0) m.CaptureAllocatingFrames++;
            if (a2 > a1) m.PipelineAllocatingFrames++;
        }
    }

    // OpenCV DNN on the tensor ONNX Runtime was just given, timed, and its top-1 compared with ONNX Runtime's.
    private static void CompareOpenCvDnn(in Rig rig, Classification top, bool measuring, ref Measurements m)
    {
        rig.Classifier.PreparedInput.CopyTo(rig.DnnInput);
        long d0 = Stopwatch.GetTimestamp();
        rig.Net!.SetInput(rig.Blob);
        using Mat result = rig.Net.Forward();
        long d1 = Stopwatch.GetTimestamp();
        if (measuring)
        {
            m.DnnTimes.Add(d1 - d0);
            result.GetArray(out float[] scores);
            if (Classification.Top(scores).ClassIndex == top.ClassIndex) m.Agree++;
        }
    }

    private static void Report(TextWriter output, in Measurements m, int measured, double elapsed, bool withDnn, MotionGateOptions? gate)
    {
        Dictionary<Stage, List<long>> stages = m.Stages;
        List<long> pipeline = Enumerable.Range(0, measured)
            .Select(i => stages[Stage.Preprocess][i] + stages[Stage.Inference][i] + stages[Stage.Decision][i]).ToList();
        output.WriteLine($"  {"stage (ms)",-26} {"p50",8} {"p95",8} {"p99",8} {"mean",8}");
        foreach (Stage stage in Enum.GetValues<Stage>()) output.WriteLine(Row(stage.ToString().ToLowerInvariant(), stages[stage]));
        output.WriteLine(Row("preprocess+infer+decide", pipeline));
        if (withDnn) output.WriteLine(Row("opencv dnn inference", m.DnnTimes));
        double captureMean = stages[Stage.Capture].Average(), pipelineMean = pipeline.Average();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"frames/s: {measured / elapsed:0.0} end to end (one thread{(withDnn ? ", OpenCV DNN included" : "")}); capture alone could give {Stopwatch.Frequency / captureMean:0.0}, preprocess+infer+decide alone {Stopwatch.Frequency / pipelineMean:0.0}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"preprocess+infer+decide costs {100 * pipelineMean / captureMean:0.0} % of capture/decode (mean per frame)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocated bytes per frame: capture {m.CaptureBytes / (double)measured:0.#}, preprocess+infer+decide {m.PipelineBytes / (double)measured:0.#} " +
            $"(frames that allocated at all: {m.CaptureAllocatingFrames} and {m.PipelineAllocatingFrames} of {measured})"));
        if (gate is not null && m.InferredTimes.Count > 0) ReportMotionGate(output, in m, measured, pipelineMean, gate);
        if (withDnn) ReportOpenCvDnn(output, in m);
    }

    private static void ReportMotionGate(TextWriter output, in Measurements m, int measured, double pipelineMean, MotionGateOptions gate)
    {
        // What the gate saved: the skipped frames' inference, priced at the inferred frames' mean.
        double saved = m.Skipped * m.InferredTimes.Average() / measured;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"motion gate (threshold {gate.Threshold:0.##} grey levels): inference skipped on {m.Skipped} of {measured} frames ({100.0 * m.Skipped / measured:0.0} %), " +
            $"saving about {Ms((long)saved):0.000} ms per frame, {100 * saved / (pipelineMean + saved):0.0} % of preprocess+infer+decide"));
    }

    private static void ReportOpenCvDnn(TextWriter output, in Measurements m)
    {
        double ort = SampleWindow.Percentile([.. m.Stages[Stage.Inference]], 50), cv = SampleWindow.Percentile([.. m.DnnTimes], 50);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ONNX Runtime vs OpenCV DNN inference, p50: {Ms((long)ort):0.000} ms vs {Ms((long)cv):0.000} ms (OpenCV DNN takes {cv / ort:0.00}x ONNX Runtime's time); same top-1 on {m.Agree} of {m.DnnTimes.Count} frames"));
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    // One row of the latency table: p50, p95, p99 and mean in milliseconds.
    private static string Row(string name, IReadOnlyList<long> ticks)
    {
        long[] values = [.. ticks];
        return string.Create(CultureInfo.InvariantCulture,
            $"  {name,-26} {Ms(SampleWindow.Percentile(values, 50)),8:0.000} {Ms(SampleWindow.Percentile(values, 95)),8:0.000} {Ms(SampleWindow.Percentile(values, 99)),8:0.000} {Ms((long)values.Average()),8:0.000}");
    }
}
