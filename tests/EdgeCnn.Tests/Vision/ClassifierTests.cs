using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Onnx;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using OpenCvSharp;
using TorchSharp;
using TorchSharp.Modules;

namespace EdgeCnn.Tests.Vision;

[Collection(TorchCollection.Name)]
public sealed class ClassifierTests : IDisposable
{
    private static readonly string[] Labels = ["circle", "square", "triangle"];
    private readonly TempFolder _folder = new();
    private readonly NetworkPlan _plan;
    private readonly Sequential _model;
    private readonly string _modelPath;

    public ClassifierTests()
    {
        Assert.True(Presets.TryGet("lenet5", out ArchitectureSpec? spec));
        _plan = NetworkPlan.Create(spec, new InputShape(1, 28, 28), Labels.Length);
        torch.manual_seed(17);
        _model = NetworkBuilder.Build(_plan);
        var record = new RunRecord
        {
            Architecture = spec, Input = _plan.Input, Classes = Labels,
            Preprocessing = PreprocessingSpec.Unit(28, 28, 1) with { Mean = [0.5f], Std = [0.5f] },
        };
        _modelPath = _folder["shapes.onnx"];
        var random = new Random(2);
        float[] batch = [.. Enumerable.Range(0, 4 * 784).Select(_ => (float)random.NextDouble())];
        ModelExport.Write(_plan, _model, record, batch, 4, "random inputs", _modelPath, OutputKind.Logits);
    }

    public void Dispose()
    {
        _model.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void Frames_are_classified_as_the_trained_network_classifies_them()
    {
        using var classifier = OnnxClassifier.Open(_modelPath);
        using var preprocessor = new ImagePreprocessor(classifier.Manifest.Preprocessing);
        var random = new Random(5);
        var tensor = new float[784];
        for (int i = 0; i < 6; i++)
        {
            // A colour camera-sized frame: the manifest's preprocessing turns it into the 28x28 gray tensor.
            using Mat frame = ShapesDataset.Draw(i % 3, 96, random, colour: true);
            Classification result = classifier.Classify(frame);

            preprocessor.Prepare(frame, tensor);
            float[] logits = ExportVerifier.TorchOutputs(_model, _plan.Input, OutputKind.Probabilities, tensor, 1);
            int expected = Array.IndexOf(logits, logits.Max());
            Assert.Equal(expected, result.ClassIndex);
            Assert.Equal(logits[expected], result.Probability, 1e-5f);
            Assert.Equal(1f, classifier.Probabilities.ToArray().Sum(), 1e-5f);
        }
    }

    [Fact]
    public void Classifying_a_frame_allocates_nothing_in_steady_state()
    {
        // The whole per-frame path: colour conversion and resize of a 640x640 BGR frame, inference, softmax.
        using var classifier = OnnxClassifier.Open(_modelPath);
        using Mat frame = ShapesDataset.Draw(1, 640, new Random(1), colour: true);
        int first = classifier.Classify(frame).ClassIndex;
        // Warm-up: ONNX Runtime and OpenCV set up lazily, and the JIT recompiles hot methods after 30 calls.
        int calls = 0, votes = 0;
        SteadyStateAllocations.AssertNone(() =>
        {
            votes += classifier.Classify(frame).ClassIndex;
            calls++;
        });
        Assert.Equal(calls * first, votes);
    }

    [Fact]
    public void A_model_that_no_longer_matches_its_manifest_is_refused()
    {
        File.AppendAllText(_modelPath, " ");
        var error = Assert.Throws<InvalidDataException>(() => OnnxClassifier.Open(_modelPath));
        Assert.Contains("shapes.onnx", error.Message);
        Assert.Contains("modelSha256", error.Message);
    }

    [Fact]
    public void A_manifest_whose_input_shape_disagrees_is_refused_naming_the_field()
    {
        string manifestPath = Path.ChangeExtension(_modelPath, ".json");
        ModelManifest manifest = ModelManifest.Load(manifestPath);
        (manifest with { Preprocessing = manifest.Preprocessing with { Width = 32 } }).Save(manifestPath);
        var error = Assert.Throws<InvalidDataException>(() => OnnxClassifier.Open(_modelPath));
        Assert.Contains("shapes.onnx", error.Message);
        Assert.Contains("width 32", error.Message);
    }

    [Fact]
    public void A_model_without_its_manifest_is_refused()
    {
        File.Delete(Path.ChangeExtension(_modelPath, ".json"));
        var error = Assert.Throws<FileNotFoundException>(() => OnnxClassifier.Open(_modelPath));
        Assert.Contains("shapes.json", error.Message);
        Assert.Contains("edgecnn-train export", error.Message);
    }

    [Fact]
    public async Task The_model_bytes_that_were_hashed_are_the_bytes_that_are_loaded_even_if_the_file_changes_between()
    {
        string first = _folder["a.onnx"], second = _folder["b.onnx"];
        ShapesModel.WriteUntrained(first, seed: 3);
        ShapesModel.WriteUntrained(second, seed: 4);
        // A file whose content changes between two opens: a named pipe that gives model A to its first reader and
        // model B to the next, with A's manifest beside it. Reading it twice (hash, then load) would load B unverified.
        string changing = _folder["changing.onnx"];
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [changing])) mkfifo.WaitForExit();
        File.Copy(Path.ChangeExtension(first, ".json"), Path.ChangeExtension(changing, ".json"));
        static void Feed(string pipe, string model)
        {
            using var stream = new FileStream(pipe, FileMode.Open, FileAccess.Write);
            stream.Write(File.ReadAllBytes(model));
        }
        Task writer = Task.Run(async () =>
        {
            Feed(changing, first);
            // A pause, so that the first reader sees the end of A before B is offered (a pipe reopened for writing
            // while a reader still has it open would run the two together).
            await Task.Delay(300);
            Feed(changing, second);
        });
        try
        {
            using var loaded = OnnxClassifier.Open(changing);
            using var expected = OnnxClassifier.Open(first);
            var random = new Random(6);
            float[] input = [.. Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble())];
            loaded.ClassifyPrepared(input);
            expected.ClassifyPrepared(input);
            Assert.Equal(expected.Probabilities.ToArray(), loaded.Probabilities.ToArray());
        }
        finally
        {
            // Let the writer finish its second write if nobody read it.
            if (await Task.WhenAny(writer, Task.Delay(100)) != writer) File.ReadAllBytes(changing);
            await writer;
        }
    }
}
