using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Vision;
using EdgeCnn.Vision.Onnx;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Onnx;

/// <summary>
/// Runs the same inputs through the TorchSharp network (eval mode) and through ONNX Runtime on the exported bytes,
/// so an export that differs from the trained network is caught before it is written.
/// </summary>
internal static class ExportVerifier
{
    /// <summary>Largest absolute output difference accepted between TorchSharp and ONNX Runtime.</summary>
    public const double Tolerance = 1e-4;

    public sealed record Comparison(double MaxAbsDifference, int Top1Mismatches, int Samples)
    {
        public bool Passed => MaxAbsDifference <= Tolerance && Top1Mismatches == 0;
    }

    /// <summary>Compares outputs for <paramref name="count"/> prepared images laid out back to back in <paramref name="batch"/>.</summary>
    public static Comparison Compare(byte[] onnx, nn.Module<Tensor, Tensor> model, InputShape input, OutputKind output, float[] batch, int count,
        string inputName = "input", string outputName = "output")
    {
        float[] expected = TorchOutputs(model, input, output, batch, count);
        float[] actual = RunOnnx(onnx, input, batch, count, inputName, outputName);
        if (actual.Length != expected.Length)
            throw new InvalidDataException($"the exported model returns {actual.Length} values for {count} images; TorchSharp returns {expected.Length}.");
        int classes = expected.Length / count;
        double max = 0;
        int mismatches = 0;
        for (int i = 0; i < count; i++)
        {
            var e = expected.AsSpan(i * classes, classes);
            var a = actual.AsSpan(i * classes, classes);
            for (int c = 0; c < classes; c++) max = Math.Max(max, Math.Abs(e[c] - a[c]));
            if (Classification.Top(e).ClassIndex != Classification.Top(a).ClassIndex) mismatches++;
        }
        return new Comparison(max, mismatches, count);
    }

    public static float[] TorchOutputs(nn.Module<Tensor, Tensor> model, InputShape input, OutputKind output, float[] batch, int count)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor x = tensor(batch.AsSpan(0, count * input.Channels * input.Height * input.Width).ToArray(), [count, input.Channels, input.Height, input.Width]);
        Tensor y = model.forward(x);
        if (output == OutputKind.Probabilities) y = y.softmax(1);
        return y.contiguous().data<float>().ToArray();
    }

    public static float[] RunOnnx(byte[] onnx, InputShape input, float[] batch, int count, string inputName = "input", string outputName = "output")
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 }.WithExactInt8();
        using var session = new InferenceSession(onnx, options);
        long length = (long)count * input.Channels * input.Height * input.Width;
        float[] data = batch.Length == length ? batch : batch.AsSpan(0, (int)length).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(data, [count, input.Channels, input.Height, input.Width]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [inputName], [value], [outputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
