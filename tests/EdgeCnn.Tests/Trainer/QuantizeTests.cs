using EdgeCnn.Trainer.Quantization;
using EdgeCnn.Vision;
using EdgeCnn.Vision.Onnx;
using OpenCvSharp;

namespace EdgeCnn.Tests.Trainer;

/// <summary><c>quantize</c> on a model our trainer trained: the int8 twin, its manifest, and the gates.</summary>
[Collection(TorchCollection.Name)]
public sealed class QuantizeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ModelQuantization.Request Request(string output, double maxDrop = 0.005, params string[] keepFloat)
    {
        (string model, string run) = ModelQuantization.Resolve(ShapesModel.ModelPath, run: null);
        return new ModelQuantization.Request(model, run, output, CalibrationImages: 100, CalibrationMethod.Minmax, maxDrop,
            keepFloat.ToHashSet(StringComparer.Ordinal));
    }

    [Fact]
    public void The_int8_twin_keeps_the_accuracy_runs_int8_kernels_and_classifies_camera_frames_as_the_fp32_model()
    {
        string path = _folder["shapes-int8.onnx"];
        ModelQuantization.Result result = ModelQuantization.Quantize(Request(path), new RecordingProgress());

        Assert.All(result.Accuracies, a => Assert.True(a.DropPoints <= 0.5, $"{a.Set}: fp32 {a.Fp32:P2}, int8 {a.Int8:P2}"));
        Assert.True(result.Int8Bytes * 3 < result.Fp32Bytes, $"int8 {result.Int8Bytes} bytes, fp32 {result.Fp32Bytes}");
        Assert.Equal(0, result.Kernels.FloatConvolutionCount);
        Assert.True(result.Kernels.IntegerConvolutionCount > 0, result.Kernels.Summary);
        ExportTests.AssertOnnxCheckerAccepts(path);

        ModelManifest manifest = ModelManifest.Load(_folder["shapes-int8.json"]);
        ModelManifest fp32Manifest = ModelManifest.Load(Path.ChangeExtension(ShapesModel.ModelPath, ".json"));
        Assert.Equal(ModelManifest.Int8, manifest.Precision);
        Assert.Equal(fp32Manifest.ModelSha256, manifest.Fp32ModelSha256);
        Assert.Equal(ModelManifest.ComputeSha256(path), manifest.ModelSha256);
        Assert.Equal(fp32Manifest.Labels, manifest.Labels);

        // What the device does with it: the same frames through the same preprocessing, both models.
        using OnnxClassifier fp32 = OnnxClassifier.Open(ShapesModel.ModelPath);
        using OnnxClassifier int8 = OnnxClassifier.Open(path);
        var random = new Random(31);
        int agree = 0, frames = 60;
        for (int i = 0; i < frames; i++)
        {
            using Mat frame = ShapesDataset.Draw(i % 3, ShapesModel.FrameSize, random, colour: true);
            if (fp32.Classify(frame).ClassIndex == int8.Classify(frame).ClassIndex) agree++;
        }
        Assert.True(agree >= frames - 2, $"int8 and fp32 agree on {agree} of {frames} frames");
    }

    [Fact]
    public void A_twin_over_the_accuracy_limit_is_refused_with_the_costliest_layers_and_nothing_is_written()
    {
        // A limit below zero: every twin is "over" it, so the refusal path runs on a real model.
        string path = _folder["refused-int8.onnx"];
        var error = Assert.Throws<InvalidDataException>(() => ModelQuantization.Quantize(Request(path, maxDrop: -0.5), new RecordingProgress()));
        Assert.Contains("refused", error.Message);
        Assert.Contains("--keep-fp32", error.Message);
        Assert.Contains("when kept in fp32", error.Message);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(_folder["refused-int8.json"]));
    }

    [Fact]
    public void Keeping_an_unknown_layer_in_fp32_names_the_layers_there_are()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ModelQuantization.Quantize(Request(_folder["x-int8.onnx"], 0.005, "conv_99"), new RecordingProgress()));
        Assert.Contains("--keep-fp32 conv_99", error.Message);
        Assert.Contains("conv_1", error.Message);
    }

    [Fact]
    public void A_layer_kept_in_fp32_stays_a_float_convolution()
    {
        string path = _folder["mixed-int8.onnx"];
        ModelQuantization.Result result = ModelQuantization.Quantize(Request(path, 0.005, "conv_1"), new RecordingProgress());
        Assert.Equal(1, result.Kernels.FloatConvolutionCount);
        Assert.True(result.Kernels.IntegerConvolutionCount > 0, result.Kernels.Summary);
        Assert.Equal(["conv_1"], result.KeptFloat);
    }
}
