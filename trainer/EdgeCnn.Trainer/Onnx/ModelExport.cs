using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Onnx;

/// <summary>Exports a run's network as NAME.onnx plus its manifest NAME.json, after proving the export correct.</summary>
internal static class ModelExport
{
    public sealed record Result(string ModelPath, string ManifestPath, ExportVerifier.Comparison Comparison, string VerifiedOn);

    /// <summary>
    /// Exports a checkpoint of <paramref name="runFolder"/>: <c>best</c>, <c>last</c>, or the path of a checkpoint file.
    /// </summary>
    public static Result FromRun(string runFolder, string modelPath, OutputKind output, string checkpoint = "best", Action<string>? log = null, bool cam = false)
    {
        RunRecord record = RunRecord.Load(runFolder);
        NetworkPlan plan = NetworkPlan.Create(record.Architecture, record.Input, record.Classes.Length);
        using Sequential model = NetworkBuilder.Build(plan);
        Checkpoint.Load(model, checkpoint is "best" or "last" ? RunFolder.ResolveWeights(runFolder, checkpoint) : checkpoint, plan);
        (float[] batch, int count, string source) = VerificationBatch(record, log);
        return Write(plan, model, record, batch, count, source, modelPath, output, cam);
    }

    /// <summary>
    /// Exports, verifies against ONNX Runtime on <paramref name="batch"/>, and only then writes the model and manifest.
    /// </summary>
    /// <param name="cam">Also output the last feature maps, with the weights in the manifest, for class activation maps.</param>
    public static Result Write(NetworkPlan plan, nn.Module<Tensor, Tensor> model, RunRecord record, float[] batch, int count, string source,
        string modelPath, OutputKind output, bool cam = false)
    {
        if (!modelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"-o {modelPath}: the model file name must end in .onnx (the manifest is written beside it as .json).");
        ClassActivationMapSpec? maps = cam ? Inspection.ClassActivationMap.Spec(model, plan) : null;
        byte[] onnx = OnnxExporter.Export(plan, model, record.Classes, output, cam: maps);
        ExportVerifier.Comparison comparison = ExportVerifier.Compare(onnx, model, plan.Input, output, batch, count);
        if (!comparison.Passed)
            throw new InvalidDataException(
                $"export of '{plan.Architecture.Name}' refused: on {count} {source}, the largest difference between TorchSharp and ONNX Runtime outputs is " +
                $"{comparison.MaxAbsDifference:G3} (limit {ExportVerifier.Tolerance:G1}) and {comparison.Top1Mismatches} top-1 classes differ. Nothing was written.");

        string manifestPath = Path.ChangeExtension(modelPath, ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(modelPath))!);
        var metrics = new Dictionary<string, double> { ["validationAccuracy"] = record.BestValidationAccuracy };
        if (record.TestAccuracy is double test) metrics["testAccuracy"] = test;
        if (record.CleanTestAccuracy is not null && record.OpenSetEffect is { } effect)
            metrics["sceneTestAccuracy"] = effect.AccuracyWithThreshold;
        if (record.OpenSetEffect?.FalseAlarmRateWithThreshold is double alarms) metrics["falseAlarmRate"] = alarms;
        var manifest = new ModelManifest
        {
            Labels = record.Classes,
            Preprocessing = record.Preprocessing,
            Output = output,
            Architecture = plan.Architecture.Name,
            ParameterCount = plan.Parameters,
            Metrics = metrics,
            ModelSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx)),
            Opset = OnnxExporter.Opset,
            TrainerVersion = TrainerInfo.Version,
            BackgroundLabel = record.BackgroundClass,
            OpenSet = record.OpenSet,
            Cam = maps,
        };
        manifest.Validate(manifestPath);
        WriteAtomically(modelPath, onnx);
        manifest.Save(manifestPath);
        return new Result(modelPath, manifestPath, comparison, source);
    }

    /// <summary>Real images from the run's dataset when it is still there; otherwise seeded random inputs.</summary>
    public static (float[] Batch, int Count, string Source) VerificationBatch(RunRecord record, Action<string>? log, int wanted = 32)
    {
        int length = record.Preprocessing.TensorLength;
        try
        {
            LoadedData data = DatasetLoader.Load(record.Options.Data, record.Preprocessing, record.Options.ValidationSplit, record.Options.Seed);
            ImageSet set = data.Test ?? data.Validation;
            int count = Math.Min(wanted, set.Count);
            return (set.Pixels.AsSpan(0, count * length).ToArray(), count, $"images from {record.Options.Data}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            log?.Invoke($"The run's dataset is not readable ({e.Message}); verifying on random inputs instead.");
            var random = new Random(1);
            var batch = new float[wanted * length];
            for (int i = 0; i < batch.Length; i++) batch[i] = (float)(random.NextDouble() * 2 - 1);
            return (batch, wanted, "random inputs");
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
