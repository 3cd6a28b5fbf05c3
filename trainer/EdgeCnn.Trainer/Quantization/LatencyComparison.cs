using System.Diagnostics;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;
using Microsoft.ML.OnnxRuntime;

namespace EdgeCnn.Trainer.Quantization;

/// <summary>An fp32 model and its int8 twin timed against each other here, as the device runs them.</summary>
internal static class LatencyComparison
{
    /// <summary>Per-image latency p50 of both models here, measured alternately in one process (ONNX Runtime, 1 thread).</summary>
    public sealed record Latency(double Fp32Milliseconds, double Int8Milliseconds)
    {
        public double Speedup => Fp32Milliseconds / Int8Milliseconds;
    }

    /// <summary>
    /// Both models on the same single images, alternating in rounds so that neither gets the warmer machine, with
    /// the session options the device uses (one thread, no spinning, all optimizations).
    /// </summary>
    public static Latency Measure(byte[] fp32, byte[] int8, ImageSet images, int rounds = 5, int perRound = 300)
    {
        using var a = new TimedSession(fp32, images.Preprocessing);
        using var b = new TimedSession(int8, images.Preprocessing);
        a.Time(images, 50);
        b.Time(images, 50);
        var fp32Times = new List<double>();
        var int8Times = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            fp32Times.AddRange(a.Time(images, perRound));
            int8Times.AddRange(b.Time(images, perRound));
        }
        return new Latency(Median(fp32Times), Median(int8Times));
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>One model bound once to its input and output buffers, run as the device runs it (IoBinding).</summary>
    private sealed class TimedSession : IDisposable
    {
        private readonly SessionOptions _options = new()
        {
            IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        private readonly InferenceSession _session;
        private readonly float[] _input;
        private readonly OrtValue _inputValue, _outputValue;
        private readonly OrtIoBinding _binding;
        private readonly RunOptions _run = new();

        public TimedSession(byte[] model, PreprocessingSpec p)
        {
            _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            _session = new InferenceSession(model, _options);
            _input = new float[p.TensorLength];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, p.Channels, p.Height, p.Width]);
            int classes = (int)_session.OutputMetadata.Values.First().Dimensions[^1];
            _outputValue = OrtValue.CreateTensorValueFromMemory(new float[classes], [1, classes]);
            _binding = _session.CreateIoBinding();
            _binding.BindInput(_session.InputMetadata.Keys.First(), _inputValue);
            _binding.BindOutput(_session.OutputMetadata.Keys.First(), _outputValue);
        }

        public double[] Time(ImageSet images, int count)
        {
            var times = new double[count];
            for (int i = 0; i < count; i++)
            {
                images.Image(i % images.Count).CopyTo(_input);
                long start = Stopwatch.GetTimestamp();
                _session.RunWithBinding(_run, _binding);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            return times;
        }

        public void Dispose()
        {
            _binding.Dispose();
            _inputValue.Dispose();
            _outputValue.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }

}
