using System.Diagnostics;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Inspection;
using EdgeCnn.Trainer.Onnx;
using EdgeCnn.Trainer.Quantization;
using EdgeCnn.Trainer.Runs;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision.Onnx.Proto;
using EdgeCnn.Vision.Onnx;
using EdgeCnn.Vision;
using Google.Protobuf;
using OpenCvSharp.Dnn;
using OpenCvSharp;
using TorchSharp.Modules;
using TorchSharp;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public sealed class ExportTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Architectures() => [.. Presets.Names, "every-layer"];

    private (NetworkPlan Plan, Sequential Model) Build(string architecture, int classes = 7)
    {
        ArchitectureSpec spec;
        if (architecture == "every-layer")
        {
            File.WriteAllText(_folder["every-layer.json"], ArchitectureTests.EveryLayerJson);
            spec = ArchitectureSpec.Load(_folder["every-layer.json"]);
        }
        else
        {
            Assert.True(Presets.TryGet(architecture, out ArchitectureSpec? preset));
            spec = preset;
        }
        NetworkPlan plan = NetworkPlan.Create(spec, spec.Input ?? new InputShape(1, 28, 28), classes);
        torch.manual_seed(42);
        Sequential model = NetworkBuilder.Build(plan);
        // Give every batch norm non-trivial statistics and affine parameters, so folding is really exercised.
        using (torch.no_grad())
        {
            foreach ((string name, Parameter p) in model.named_parameters())
                if (name.Contains("bn", StringComparison.Ordinal) || name.StartsWith("batchnorm", StringComparison.Ordinal))
                    p.uniform_(0.5, 1.5);
        }
        model.train();
        using (torch.no_grad())
        {
            for (int i = 0; i < 3; i++) model.forward(torch.randn(16, plan.Input.Channels, plan.Input.Height, plan.Input.Width) * 2 + 0.3).Dispose();
        }
        model.eval();
        return (plan, model);
    }

    private static float[] RandomBatch(InputShape input, int count, int seed)
    {
        var random = new Random(seed);
        var batch = new float[count * input.Channels * input.Height * input.Width];
        for (int i = 0; i < batch.Length; i++) batch[i] = (float)(random.NextDouble() * 2 - 1);
        return batch;
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Exports_match_TorchSharp_in_onnx_runtime_and_opencv_and_pass_the_onnx_checker(string architecture)
    {
        (NetworkPlan plan, Sequential model) = Build(architecture);
        using (model)
        {
            float[] batch = RandomBatch(plan.Input, 8, seed: 3);
            byte[] onnx = OnnxExporter.Export(plan, model, Enumerable.Range(0, 7).Select(i => $"c{i}").ToArray(), OutputKind.Logits);

            ExportVerifier.Comparison ort = ExportVerifier.Compare(onnx, model, plan.Input, OutputKind.Logits, batch, 8);
            Assert.True(ort.MaxAbsDifference <= 1e-4, $"ONNX Runtime differs by {ort.MaxAbsDifference}");
            Assert.Equal(0, ort.Top1Mismatches);

            // Batch 1 and batch 8 give each item the same result.
            float[] together = ExportVerifier.RunOnnx(onnx, plan.Input, batch, 8);
            int length = plan.Input.Channels * plan.Input.Height * plan.Input.Width;
            for (int i = 0; i < 8; i++)
            {
                float[] alone = ExportVerifier.RunOnnx(onnx, plan.Input, batch.AsSpan(i * length, length).ToArray(), 1);
                for (int c = 0; c < 7; c++) Assert.Equal(together[i * 7 + c], alone[c], 1e-5f);
            }

            // OpenCV's DNN module: an independent ONNX consumer.
            string path = _folder[$"{architecture}.onnx"];
            File.WriteAllBytes(path, onnx);
            float[] expected = ExportVerifier.TorchOutputs(model, plan.Input, OutputKind.Logits, batch, 8);
            using Net net = CvDnn.ReadNetFromOnnx(path) ?? throw new InvalidOperationException("OpenCV could not read the model");
            using Mat blob = Mat.FromPixelData([8, plan.Input.Channels, plan.Input.Height, plan.Input.Width], MatType.CV_32FC1, batch);
            net.SetInput(blob);
            using Mat result = net.Forward();
            Assert.True(result.GetArray(out float[] opencv));
            Assert.Equal(expected.Length, opencv.Length);
            double opencvDifference = expected.Zip(opencv, (e, o) => Math.Abs(e - o)).Max();
            Assert.True(opencvDifference <= 1e-3, $"OpenCV DNN differs by {opencvDifference}");

            AssertOnnxCheckerAccepts(path);
        }
    }

    /// <summary>The reference checker of Debian's python3-onnx, with full shape inference.</summary>
    internal static void AssertOnnxCheckerAccepts(string path)
    {
        var checker = Process.Start(new ProcessStartInfo("/usr/bin/python3",
            ["-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", path])
            { RedirectStandardError = true })!;
        string errors = checker.StandardError.ReadToEnd();
        checker.WaitForExit();
        Assert.True(checker.ExitCode == 0, $"onnx.checker rejected {Path.GetFileName(path)}: {errors}");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Int8_twins_run_every_convolution_as_an_integer_kernel_stay_close_to_fp32_and_pass_the_onnx_checker(string architecture)
    {
        (NetworkPlan plan, Sequential model) = Build(architecture);
        using (model)
        {
            byte[] fp32 = OnnxExporter.Export(plan, model, Enumerable.Range(0, 7).Select(i => $"c{i}").ToArray(), OutputKind.Logits);
            ModelProto proto = ModelProto.Parser.ParseFrom(fp32);
            int length = plan.Input.Channels * plan.Input.Height * plan.Input.Width;
            float[] calibration = RandomBatch(plan.Input, 64, seed: 11);
            var ranges = ActivationRanges.Calibrate(proto, calibration, 64, length, CalibrationMethod.Minmax);
            byte[] int8 = QdqRewriter.Rewrite(proto, ranges, new HashSet<string>(), ActivationType.Uint8).ToByteArray();

            RuntimeGraph kernels = RuntimeGraph.Inspect(int8);
            int convolutions = proto.Graph.Node.Count(n => n.OpType == "Conv");
            Assert.True(kernels.IntegerConvolutionCount == convolutions && kernels.FloatConvolutionCount == 0,
                $"{architecture}: {convolutions} Conv nodes, ONNX Runtime runs {kernels.Summary}");

            // Other random inputs than the calibration's: 8-bit steps over each value's range, so close, not equal.
            float[] batch = RandomBatch(plan.Input, 16, seed: 12);
            float[] expected = ExportVerifier.RunOnnx(fp32, plan.Input, batch, 16);
            float[] actual = ExportVerifier.RunOnnx(int8, plan.Input, batch, 16);
            double range = expected.Max() - expected.Min();
            double largest = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(largest <= 0.1 * range, $"{architecture}: int8 differs from fp32 by up to {largest:G3} on outputs that span {range:G3}");

            string path = _folder[$"{architecture}-int8.onnx"];
            File.WriteAllBytes(path, int8);
            AssertOnnxCheckerAccepts(path);
        }
    }

    [Theory]
    [InlineData("resnet8")]
    [InlineData("allconv")]
    [InlineData("mobilenet-tiny")]
    public void The_device_draws_the_same_class_activation_maps_as_the_trainer(string architecture)
    {
        (NetworkPlan plan, Sequential model) = Build(architecture);
        using (model)
        {
            string[] classes = [.. Enumerable.Range(0, 7).Select(i => $"c{i}")];
            var record = new RunRecord
            {
                Architecture = plan.Architecture, Input = plan.Input, Classes = classes,
                Preprocessing = PreprocessingSpec.Unit(plan.Input.Width, plan.Input.Height, plan.Input.Channels),
            };
            float[] batch = RandomBatch(plan.Input, 4, seed: 8);
            string path = _folder[$"{architecture}-cam.onnx"];
            ModelExport.Write(plan, model, record, batch, 4, "random inputs", path, OutputKind.Logits, cam: true);

            using OnnxClassifier classifier = OnnxClassifier.Open(path);
            Assert.True(classifier.HasClassActivationMaps);
            ClassActivationMapSpec spec = classifier.Manifest.Cam!;
            int length = plan.Input.Channels * plan.Input.Height * plan.Input.Width;
            var map = new float[spec.Height * spec.Width];
            for (int image = 0; image < 4; image++)
            {
                float[] input = batch.AsSpan(image * length, length).ToArray();
                Classification top = classifier.ClassifyPrepared(input);
                using var x = torch.tensor(input, [1, plan.Input.Channels, plan.Input.Height, plan.Input.Width]);
                foreach (int c in new[] { top.ClassIndex, (top.ClassIndex + 1) % classes.Length })
                {
                    classifier.ClassActivationMap(c, map);
                    float[] expected = ClassActivationMap.Compute(model, plan, x, c);
                    double largest = expected.Zip(map, (e, a) => Math.Abs(e - a)).Max();
                    Assert.True(largest <= 1e-3, $"{architecture}, image {image}, class {c}: device and trainer maps differ by {largest:G3}");
                }
            }
            AssertOnnxCheckerAccepts(path);
        }
    }

    [Fact]
    public void A_network_without_global_average_pooling_has_no_class_activation_maps()
    {
        (NetworkPlan plan, Sequential model) = Build("lenet5");
        using (model)
        {
            var error = Assert.Throws<InvalidDataException>(() => ClassActivationMap.Spec(model, plan));
            Assert.Contains("global average pooling", error.Message);
        }
    }

    [Fact]
    public void The_verifier_catches_an_export_that_differs_from_the_network()
    {
        (NetworkPlan plan, Sequential model) = Build("lenet5");
        using (model)
        {
            byte[] onnx = OnnxExporter.Export(plan, model, Enumerable.Range(0, 7).Select(i => $"c{i}").ToArray(), OutputKind.Logits);
            torch.manual_seed(4321);
            using Sequential other = NetworkBuilder.Build(plan); // the same architecture with other weights
            Assert.False(model.parameters().First().eq(other.parameters().First()).all().item<bool>());
            ExportVerifier.Comparison comparison = ExportVerifier.Compare(onnx, other, plan.Input, OutputKind.Logits, RandomBatch(plan.Input, 8, 5), 8);
            Assert.False(comparison.Passed);
            Assert.True(comparison.MaxAbsDifference > ExportVerifier.Tolerance);
        }
    }

    [Fact]
    public void A_trained_and_exported_model_classifies_image_files_exactly_as_the_trainer_did()
    {
        ShapesDataset.Write(_folder["shapes"], perClass: 40, size: 28, seed: 7);
        var options = new TrainOptions
        {
            Data = _folder["shapes"], Architecture = "resnet8", Epochs = 6, BatchSize = 16, ValidationSplit = 0.2,
            Seed = 5, Threads = 2, Device = "cpu", Input = new InputShape(1, 24, 24), ResizeMode = ResizeMode.CenterCrop,
        };
        RunRecord record = TrainingRun.Train(options, _folder["run"], "test", new RecordingProgress());
        string modelPath = RunFolder.Model(_folder["run"]);
        Assert.True(File.Exists(modelPath));

        // New images, written as files, with a size the model was not trained at: resize and crop happen on load.
        ShapesDataset.Write(_folder["fresh"], perClass: 10, size: 40, seed: 99);

        // The trainer's view: its own loader and evaluator.
        NetworkPlan plan = NetworkPlan.Create(record.Architecture, record.Input, record.Classes.Length);
        using Sequential model = NetworkBuilder.Build(plan);
        Checkpoint.Load(model, RunFolder.BestWeights(_folder["run"]), plan);
        (ImageSet fresh, List<string> skipped) = ImageFolder.Load(_folder["fresh"], record.Classes, record.Preprocessing);
        Assert.Empty(skipped);
        long[] trainerPredictions = Evaluator.Evaluate(model, fresh, torch.CPU, LossKind.CrossEntropy).Predictions;

        // The device's view: OnnxClassifier (manifest, hash and shape checks, shared preprocessing, ONNX Runtime).
        using var classifier = OnnxClassifier.Open(modelPath);
        Assert.Equal(ShapesDataset.Classes, classifier.Manifest.Labels);
        string[] files = [.. ShapesDataset.Classes.SelectMany(c => Directory.GetFiles(Path.Combine(_folder["fresh"], c)).Order(StringComparer.Ordinal))];
        Assert.Equal(files.Length, trainerPredictions.Length);
        for (int i = 0; i < files.Length; i++)
        {
            using Mat image = ImagePreprocessor.Decode(files[i]);
            int best = classifier.Classify(image).ClassIndex;
            Assert.True(trainerPredictions[i] == best, $"{files[i]}: trainer says {trainerPredictions[i]}, served model says {best}");
        }
    }
}
