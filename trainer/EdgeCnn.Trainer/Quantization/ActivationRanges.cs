using EdgeCnn.Vision;
using EdgeCnn.Vision.Onnx;
using EdgeCnn.Vision.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeCnn.Trainer.Quantization;

/// <summary>How an activation's calibrated range is chosen from the values seen.</summary>
internal enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen: nothing is clipped; one outlier can widen every step.</summary>
    Minmax,

    /// <summary>The 0.01st and 99.99th percentiles: the rare outliers are clipped, every other value gets finer steps.</summary>
    Percentile,
}

/// <summary>
/// The range of every float tensor of a model (its input and every node's output) over calibration images, found by
/// running the fp32 model in ONNX Runtime with every intermediate value made a graph output.
/// </summary>
internal static class ActivationRanges
{
    private const int Bins = 2048;
    private const double PercentileTail = 1e-4; // 0.01 % of the values at each end may be clipped
    private const int BatchSize = 64;

    /// <summary>The calibrated (min, max) of each tensor by name; min ≤ 0 ≤ max is not implied.</summary>
    public static Dictionary<string, (float Min, float Max)> Calibrate(ModelProto model, float[] images, int count, int imageLength,
        CalibrationMethod method, Action<int, int>? progress = null)
    {
        ModelProto probe = model.Clone();
        string input = probe.Graph.Input[0].Name;
        var names = new List<string>();
        foreach (NodeProto node in probe.Graph.Node)
        {
            foreach (string output in node.Output)
            {
                if (probe.Graph.Output.Any(o => o.Name == output)) continue;
                names.Add(output);
                probe.Graph.Output.Add(new ValueInfoProto
                {
                    Name = output,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
                });
            }
        }
        names.AddRange(probe.Graph.Output.Select(o => o.Name).Where(n => !names.Contains(n)));
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, InterOpNumThreads = 1 }.WithExactInt8();
        using var session = new InferenceSession(probe.ToByteArray(), options);
        var minMax = new Dictionary<string, (float Min, float Max)>(StringComparer.Ordinal);
        int passes = method == CalibrationMethod.Percentile ? 2 : 1;
        Dictionary<string, long[]>? histograms = null;
        for (int pass = 0; pass < passes; pass++)
        {
            if (pass == 1) histograms = names.Append(input).ToDictionary(n => n, _ => new long[Bins], StringComparer.Ordinal);
            for (int start = 0; start < count; start += BatchSize)
            {
                int n = Math.Min(BatchSize, count - start);
                ReadOnlySpan<float> batch = images.AsSpan(start * imageLength, n * imageLength);
                Observe(input, batch, minMax, histograms);
                long[] shape = [n, .. model.Graph.Input[0].Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue)];
                using var value = OrtValue.CreateTensorValueFromMemory(batch.ToArray(), shape);
                using var run = new RunOptions();
                using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, [input], [value], names);
                for (int i = 0; i < names.Count; i++) Observe(names[i], outputs[i].GetTensorDataAsSpan<float>(), minMax, histograms);
                progress?.Invoke(pass * count + start + n, passes * count);
            }
        }
        return histograms is null ? minMax : minMax.ToDictionary(e => e.Key, e => Clip(e.Value, histograms[e.Key]), StringComparer.Ordinal);
    }

    private static void Observe(string name, ReadOnlySpan<float> values, Dictionary<string, (float Min, float Max)> minMax,
        Dictionary<string, long[]>? histograms)
    {
        if (histograms is null)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            foreach (float v in values)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            minMax[name] = minMax.TryGetValue(name, out var seen) ? (Math.Min(seen.Min, min), Math.Max(seen.Max, max)) : (min, max);
            return;
        }
        (float low, float high) = minMax[name];
        long[] histogram = histograms[name];
        double width = Math.Max(high - low, 1e-12) / Bins;
        foreach (float v in values) histogram[Math.Clamp((int)((v - low) / width), 0, Bins - 1)]++;
    }

    /// <summary>The range between the percentiles, from the histogram over the full range.</summary>
    private static (float Min, float Max) Clip((float Min, float Max) full, long[] histogram)
    {
        long total = histogram.Sum();
        long tail = (long)(total * PercentileTail);
        double width = (full.Max - full.Min) / (double)Bins;
        int lowBin = 0, highBin = Bins - 1;
        for (long seen = 0; lowBin < Bins - 1 && seen + histogram[lowBin] <= tail; lowBin++) seen += histogram[lowBin];
        for (long seen = 0; highBin > lowBin && seen + histogram[highBin] <= tail; highBin--) seen += histogram[highBin];
        return ((float)(full.Min + lowBin * width), (float)(full.Min + (highBin + 1) * width));
    }
}
