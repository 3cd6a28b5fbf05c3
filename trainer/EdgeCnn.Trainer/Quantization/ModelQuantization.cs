using System.Security.Cryptography;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using EdgeCnn.Vision.Onnx;
using EdgeCnn.Vision.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeCnn.Trainer.Quantization;

/// <summary>
/// <c>quantize</c>: an exported fp32 model becomes an int8 twin, calibrated on the run's training images, written
/// only when it passes the gates: accuracy within <see cref="Request.MaxDrop"/> of the fp32 model on every test set
/// the run has, and every quantized Conv running as an integer kernel in ONNX Runtime's optimized graph.
/// </summary>
internal static class ModelQuantization
{
    public sealed record Request(string Fp32ModelPath, string RunFolder, string OutputPath, int CalibrationImages, CalibrationMethod Method,
        double MaxDrop, IReadOnlySet<string> KeepFloat, ActivationType Activations = ActivationType.Uint8);

    /// <summary>Accuracy of both models on one test set.</summary>
    public sealed record Accuracy(string Set, int Images, double Fp32, double Int8)
    {
        public double DropPoints => 100 * (Fp32 - Int8);
    }

    public sealed record Result(string ModelPath, string ManifestPath, IReadOnlyList<Accuracy> Accuracies, LatencyComparison.Latency Latency,
        long Fp32Bytes, long Int8Bytes, RuntimeGraph Kernels, IReadOnlyList<string> KeptFloat);

    /// <summary>The run a model came from: <paramref name="run"/> if given, else the model's own folder when it is a run folder.</summary>
    public static (string Model, string Run) Resolve(string runOrModel, string? run)
    {
        if (Directory.Exists(runOrModel))
        {
            string model = Path.Combine(runOrModel, "model.onnx");
            if (!File.Exists(model))
                throw new FileNotFoundException($"{runOrModel}: this run folder has no model.onnx; export it first ('edgecnn-train export {runOrModel}').", model);
            return (model, run ?? runOrModel);
        }
        if (!File.Exists(runOrModel)) throw new FileNotFoundException($"{runOrModel}: no such run folder or model file.", runOrModel);
        string folder = Path.GetDirectoryName(Path.GetFullPath(runOrModel))!;
        string? found = run ?? (File.Exists(RunFolder.RecordPath(folder)) ? folder : null);
        return found is null
            ? throw new ArgumentException($"{runOrModel}: quantizing needs the run that trained this model, for its training images (calibration) and test images (the accuracy gate); pass --run runs/NAME.")
            : (runOrModel, found);
    }

    public static Result Quantize(Request request, ITrainingProgress progress)
    {
        if (!request.OutputPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"-o {request.OutputPath}: the model file name must end in .onnx (the manifest is written beside it as .json).");
        (byte[] fp32Bytes, ModelManifest fp32Manifest, ModelProto fp32) = LoadFp32(request);

        RunRecord record = RunRecord.Load(request.RunFolder);
        PreprocessingSpec p = fp32Manifest.Preprocessing;
        using RunDataset dataset = LoadRunData(request, record, fp32Manifest, progress);

        ImageSet calibration = CalibrationSet(dataset, request.CalibrationImages, record.Options.Seed);
        progress.Log($"Calibrating on {calibration.Count} training images ({request.Method.ToString().ToLowerInvariant()}){(dataset.Composer is null ? "" : ", half of them composed into scenes")} ...");
        var ranges = ActivationRanges.Calibrate(fp32, calibration.Pixels, calibration.Count, p.TensorLength, request.Method,
            Quarterly(progress, "calibration"));

        List<(string Name, ImageSet Set)> tests = TestSets(dataset);
        var fp32Accuracy = tests.Select(t => Evaluate(fp32Bytes, t.Set)).ToList();

        byte[] int8Bytes = QdqRewriter.Rewrite(fp32, ranges, request.KeepFloat, request.Activations).ToByteArray();
        var accuracies = tests.Select((t, i) => new Accuracy(t.Name, t.Set.Count, fp32Accuracy[i], Evaluate(int8Bytes, t.Set))).ToList();
        foreach (Accuracy a in accuracies)
            progress.Log($"  {a.Set,-11} ({a.Images} images): fp32 {a.Fp32:P2}, int8 {a.Int8:P2} ({-a.DropPoints:+0.00;-0.00} points)");
        if (accuracies.FirstOrDefault(a => a.DropPoints > request.MaxDrop * 100) is Accuracy failed)
            throw new InvalidDataException(Refusal(failed, request, fp32, ranges, tests[0].Set, progress));
        RuntimeGraph kernels = RequireIntegerConvolutions(int8Bytes, fp32, request.KeepFloat);

        LatencyComparison.Latency latency = LatencyComparison.Measure(fp32Bytes, int8Bytes, tests[0].Set);
        string manifestPath = Path.ChangeExtension(request.OutputPath, ".json");
        ModelManifest manifest = Int8Manifest(fp32Manifest, int8Bytes, accuracies);
        manifest.Validate(manifestPath);
        Write(request.OutputPath, int8Bytes, manifest, manifestPath);
        return new Result(request.OutputPath, manifestPath, accuracies, latency, fp32Bytes.Length, int8Bytes.Length, kernels, [.. request.KeepFloat]);
    }

    // The fp32 model and its manifest, checked: the manifest's hash matches, it is fp32, and the layers to keep exist.
    private static (byte[] Bytes, ModelManifest Manifest, ModelProto Model) LoadFp32(Request request)
    {
        byte[] fp32Bytes = File.ReadAllBytes(request.Fp32ModelPath);
        ModelManifest fp32Manifest = ModelManifest.Load(Path.ChangeExtension(request.Fp32ModelPath, ".json"));
        fp32Manifest.VerifyModel(request.Fp32ModelPath, fp32Bytes);
        if (fp32Manifest.Precision != ModelManifest.Fp32)
            throw new ArgumentException($"{request.Fp32ModelPath}: this model is {fp32Manifest.Precision} already; quantize its fp32 model.");
        ModelProto fp32 = ModelProto.Parser.ParseFrom(fp32Bytes);
        var unknown = request.KeepFloat.Except(QdqRewriter.QuantizableLayers(fp32)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"--keep-fp32 {string.Join(",", unknown)}: no such layer; the model's layers with weights are {string.Join(", ", QdqRewriter.QuantizableLayers(fp32))}.");
        return (fp32Bytes, fp32Manifest, fp32);
    }

    // The run's data as the run saw it, whose classes must be the model's labels.
    private static RunDataset LoadRunData(Request request, RunRecord record, ModelManifest fp32Manifest, ITrainingProgress progress)
    {
        PreprocessingSpec p = fp32Manifest.Preprocessing;
        LoadedData data = DatasetLoader.Load(record.Options.Data, p, record.Options.ValidationSplit, record.Options.Seed);
        // The scene textures come from torch's random stream: seeded as the run was, the scene test set is the run's.
        TorchSharp.torch.manual_seed(record.Options.Seed);
        RunDataset dataset = RunDataset.Prepare(record.Options, data, p, progress);
        if (!dataset.Classes.SequenceEqual(fp32Manifest.Labels))
        {
            dataset.Dispose();
            throw new InvalidDataException($"{request.Fp32ModelPath}: its labels [{string.Join(", ", fp32Manifest.Labels)}] are not those of run {request.RunFolder} [{string.Join(", ", dataset.Classes)}]; pass the run that trained it with --run.");
        }
        return dataset;
    }

    // The sets the accuracy gate measures: the test sets the run has, else its validation set.
    private static List<(string Name, ImageSet Set)> TestSets(RunDataset dataset)
    {
        var tests = new List<(string Name, ImageSet Set)>();
        if (dataset.Test is not null) tests.Add((dataset.Composer is null ? "test" : "scene test", dataset.Test));
        if (dataset.CleanTest is not null) tests.Add(("clean test", dataset.CleanTest));
        if (tests.Count == 0) tests.Add(("validation", dataset.Validation));
        return tests;
    }

    // The kernel gate: every quantized Conv must run as an integer kernel in ONNX Runtime's optimized graph.
    private static RuntimeGraph RequireIntegerConvolutions(byte[] int8Bytes, ModelProto fp32, IReadOnlySet<string> keepFloat)
    {
        RuntimeGraph kernels = RuntimeGraph.Inspect(int8Bytes);
        int quantizedConvs = fp32.Graph.Node.Count(n => n.OpType == "Conv" && !keepFloat.Contains(QdqRewriter.LayerOf(n)));
        if (kernels.IntegerConvolutionCount != quantizedConvs)
            throw new InvalidDataException($"the int8 model was refused: ONNX Runtime runs {kernels.IntegerConvolutionCount} of its {quantizedConvs} quantized convolutions as integer kernels ({kernels.Summary}). Nothing was written.");
        return kernels;
    }

    // The fp32 manifest made the int8 model's: its hash, the fp32 model's hash, and both models' accuracies.
    private static ModelManifest Int8Manifest(ModelManifest fp32Manifest, byte[] int8Bytes, List<Accuracy> accuracies)
    {
        Accuracy reported = accuracies.FirstOrDefault(a => a.Set == "clean test") ?? accuracies[0];
        var metrics = new Dictionary<string, double>
        {
            ["testAccuracy"] = reported.Int8,
            ["fp32TestAccuracy"] = reported.Fp32,
        };
        if (accuracies.FirstOrDefault(a => a.Set == "scene test") is Accuracy scene)
        {
            metrics["sceneTestTop1Accuracy"] = scene.Int8;
            metrics["fp32SceneTestTop1Accuracy"] = scene.Fp32;
        }
        return fp32Manifest with
        {
            Precision = ModelManifest.Int8,
            Fp32ModelSha256 = fp32Manifest.ModelSha256,
            ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(int8Bytes)),
            Metrics = metrics,
            TrainerVersion = TrainerInfo.Version,
        };
    }

    // The model through a temporary file (a reader never sees half of it), then its manifest.
    private static void Write(string outputPath, byte[] int8Bytes, ModelManifest manifest, string manifestPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        string temporary = outputPath + ".tmp";
        File.WriteAllBytes(temporary, int8Bytes);
        File.Move(temporary, outputPath, overwrite: true);
        manifest.Save(manifestPath);
    }

    /// <summary>
    /// Training images only (never test), in a seeded random order so every class is represented; for a scene run,
    /// half of them composed into scenes as training composed them.
    /// </summary>
    private static ImageSet CalibrationSet(RunDataset dataset, int count, int seed)
    {
        ImageSet train = dataset.Train;
        int[] order = [.. Enumerable.Range(0, train.Count)];
        new Random(seed + 3000).Shuffle(order);
        ImageSet chosen = train.Subset(order.Take(Math.Min(count, train.Count)).ToArray());
        if (dataset.Composer is null) return chosen;
        int half = chosen.Count / 2;
        ImageSet clean = chosen.Subset([.. Enumerable.Range(0, half)]);
        ImageSet scenes = Scene.SceneSet.Compose(chosen.Subset([.. Enumerable.Range(half, chosen.Count - half)]), dataset.Classes, dataset.Composer,
            seed + 4000, 1.0 / Math.Max(1, dataset.Classes.Length - 1));
        return new ImageSet([.. clean.Pixels, .. scenes.Pixels], [.. clean.Labels, .. scenes.Labels], dataset.Classes, train.Preprocessing);
    }

    // A line at each quarter of a long step: readable on a terminal and in a log alike.
    private static Action<int, int> Quarterly(ITrainingProgress progress, string what)
    {
        int shown = -1;
        return (done, total) =>
        {
            int quarter = 4 * done / total;
            if (quarter == shown) return;
            shown = quarter;
            progress.Log($"  {what} {100 * done / total}%");
        };
    }

    /// <summary>Top-1 accuracy of a model on a set, in ONNX Runtime with its graph optimizations, as the device runs it.</summary>
    public static double Evaluate(byte[] model, ImageSet set, int batchSize = 250)
    {
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL }.WithExactInt8();
        using var session = new InferenceSession(model, options);
        PreprocessingSpec p = set.Preprocessing;
        int length = p.TensorLength, correct = 0;
        string input = session.InputMetadata.Keys.First(), output = session.OutputMetadata.Keys.First();
        for (int start = 0; start < set.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, set.Count - start);
            using var value = OrtValue.CreateTensorValueFromMemory(set.Pixels.AsSpan(start * length, n * length).ToArray(), [n, p.Channels, p.Height, p.Width]);
            using var run = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(run, [input], [value], [output]);
            ReadOnlySpan<float> scores = results[0].GetTensorDataAsSpan<float>();
            int classes = scores.Length / n;
            for (int i = 0; i < n; i++)
                if (Classification.Top(scores.Slice(i * classes, classes)).ClassIndex == set.Labels[start + i]) correct++;
        }
        return set.Count == 0 ? 0 : correct / (double)set.Count;
    }

    // Which layers cost the accuracy: each quantizable layer kept in float alone, on the first test set.
    private static string Refusal(Accuracy failed, Request request, ModelProto fp32, Dictionary<string, (float Min, float Max)> ranges,
        ImageSet test, ITrainingProgress progress)
    {
        progress.Log("Over the limit; measuring which layers lose the most when quantized ...");
        var recovered = new List<(string Layer, double Accuracy)>();
        foreach (string layer in QdqRewriter.QuantizableLayers(fp32).Except(request.KeepFloat))
        {
            var keep = new HashSet<string>(request.KeepFloat, StringComparer.Ordinal) { layer };
            recovered.Add((layer, Evaluate(QdqRewriter.Rewrite(fp32, ranges, keep, request.Activations).ToByteArray(), test)));
        }
        string worst = string.Join(", ", recovered.OrderByDescending(r => r.Accuracy).Take(3).Select(r => $"{r.Layer} ({r.Accuracy:P2} when kept in fp32)"));
        return $"the int8 model was refused: on the {failed.Set} set ({failed.Images} images) it scores {failed.Int8:P2} against fp32's {failed.Fp32:P2}, " +
               $"{failed.DropPoints:0.00} points lower (limit {request.MaxDrop * 100:0.0#}). The layers that cost the most: {worst}. " +
               $"Keep them in fp32 with --keep-fp32 LAYER[,LAYER], or try --method percentile. Nothing was written.";
    }
}
