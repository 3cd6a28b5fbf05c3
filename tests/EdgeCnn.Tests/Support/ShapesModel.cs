using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Runs;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// A shapes classifier trained and exported by our own trainer, once per test run, for the device tests: colour
/// camera-sized images in, the manifest's 28x28 gray preprocessing, model.onnx + model.json out.
/// </summary>
internal static class ShapesModel
{
    private static readonly Lazy<string> Trained = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly TempFolder Folder = new();

    /// <summary>The exported model's path (its manifest is beside it). Call from tests in <see cref="TorchCollection"/>.</summary>
    public static string ModelPath => Trained.Value;

    /// <summary>Frame size the model was trained at (the clips use the same).</summary>
    public const int FrameSize = 96;

    /// <summary>
    /// Writes a second model for the same classes, untrained (random weights, seeded): it classifies differently
    /// and with little confidence, which is what a model swap should make visible.
    /// </summary>
    /// <param name="modelPath">Where the model goes (its manifest beside it).</param>
    /// <param name="seed">The weights' seed.</param>
    /// <param name="architecture">A preset.</param>
    /// <param name="cam">Export its class activation maps too (a preset that ends in global average pooling).</param>
    public static void WriteUntrained(string modelPath, int seed = 3, string architecture = "lenet5", bool cam = false)
    {
        Assert.True(Presets.TryGet(architecture, out ArchitectureSpec? spec));
        NetworkPlan plan = NetworkPlan.Create(spec, new InputShape(1, 28, 28), ShapesDataset.Classes.Length);
        TorchSharp.torch.manual_seed(seed);
        using TorchSharp.Modules.Sequential model = NetworkBuilder.Build(plan);
        var record = new RunRecord
        {
            Architecture = spec, Input = plan.Input, Classes = ShapesDataset.Classes,
            Preprocessing = EdgeCnn.Vision.PreprocessingSpec.Unit(28, 28, 1) with { Mean = [0.5f], Std = [0.5f] },
        };
        var random = new Random(2);
        float[] batch = [.. Enumerable.Range(0, 4 * 784).Select(_ => (float)random.NextDouble())];
        EdgeCnn.Trainer.Onnx.ModelExport.Write(plan, model, record, batch, 4, "random inputs", modelPath, EdgeCnn.Vision.OutputKind.Logits, cam);
    }

    private static string Train()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Folder.Dispose();
        string data = Folder["shapes"];
        ShapesDataset.Write(data, perClass: 90, size: FrameSize, seed: 21, colour: true);
        var options = new TrainOptions
        {
            Data = data,
            Architecture = "convnet-2x64",
            Input = new InputShape(1, 28, 28),
            Epochs = 10,
            BatchSize = 16,
            Optimizer = OptimizerKind.Adamw,
            LearningRate = 0.003,
            Schedule = ScheduleKind.OneCycle,
            ValidationSplit = 0.2,
            Augmentation = new AugmentationOptions { Shift = 0.1, Flip = true },
            Seed = 5,
            Threads = 2,
        };
        string run = Folder["run"];
        RunRecord record = TrainingRun.Train(options, run, "edgecnn-train train (device tests)", new RecordingProgress());
        if (record.BestValidationAccuracy < 0.95)
            throw new InvalidOperationException($"the shapes model reached only {record.BestValidationAccuracy:P1} validation accuracy; the device tests need a reliable one");
        return Path.Combine(run, "model.onnx");
    }
}
