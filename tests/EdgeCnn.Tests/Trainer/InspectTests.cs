using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Inspection;
using EdgeCnn.Trainer.Layers;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using OpenCvSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Tests.Trainer;

/// <summary><c>inspect</c> on the shapes model our trainer trained: the pictures, and that Grad-CAM points at the shape.</summary>
[Collection(TorchCollection.Name)]
public sealed class InspectTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Run => Path.GetDirectoryName(ShapesModel.ModelPath)!;

    [Fact]
    public void Inspect_writes_the_input_filters_every_stage_and_grad_cam_and_a_page_that_shows_them()
    {
        string image = _folder["circle.png"];
        using (Mat circle = ShapesDataset.Draw(0, ShapesModel.FrameSize, new Random(4), colour: true)) Cv2.ImWrite(image, circle);

        ModelInspection.Result result = ModelInspection.Run(new ModelInspection.Request(Run, _folder["out"], ImagePath: image, ClassName: "square"));

        RunRecord record = RunRecord.Load(Run);
        NetworkPlan plan = NetworkPlan.Create(record.Architecture, record.Input, record.Classes.Length);
        int stages = plan.Layers.Count(l => l.Layer is ConvLayer or MaxPoolLayer or AvgPoolLayer or ResidualLayer);
        Assert.Equal(stages, result.Files.Count(f => f.StartsWith("maps-", StringComparison.Ordinal)));
        Assert.Equal("square", result.Explained);
        Assert.Equal("circle", result.Predicted);
        string markdown = File.ReadAllText(result.MarkdownPath);
        foreach (string png in result.Files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            Assert.Contains($"({png})", markdown);
            using Mat picture = Cv2.ImRead(Path.Combine(_folder["out"], png));
            Assert.False(picture.Empty(), png);
        }
        Assert.Contains("input.png", result.Files);
        Assert.Contains("filters.png", result.Files);
        Assert.Contains("gradcam.png", result.Files);
    }

    [Fact]
    public void Grad_cam_puts_the_evidence_where_the_shape_is()
    {
        RunRecord record = RunRecord.Load(Run);
        NetworkPlan plan = NetworkPlan.Create(record.Architecture, record.Input, record.Classes.Length);
        using Sequential model = NetworkBuilder.Build(plan);
        Checkpoint.Load(model, RunFolder.ResolveWeights(Run, "best"), plan);
        var preprocessor = new ImagePreprocessor(record.Preprocessing);
        int size = ShapesModel.FrameSize;
        foreach (bool left in new[] { true, false })
        {
            // A filled square in one half of an otherwise dark frame.
            using var frame = new Mat(size, size, MatType.CV_8UC3, Scalar.All(10));
            int x = left ? size / 8 : size * 5 / 8;
            Cv2.Rectangle(frame, new Rect(x, size / 3, size / 4, size / 4), Scalar.All(220), -1);
            var input = new float[record.Preprocessing.TensorLength];
            preprocessor.Prepare(frame, input);
            using Tensor tensorInput = tensor(input, [1, 1, record.Preprocessing.Height, record.Preprocessing.Width]);
            (float[] cam, _, int explained, _) = GradCam.Compute(model, plan, tensorInput, classIndex: Array.IndexOf(record.Classes, "square"));
            Assert.Equal("square", record.Classes[explained]);
            int width = record.Preprocessing.Width;
            double leftMass = 0, rightMass = 0;
            for (int i = 0; i < cam.Length; i++)
            {
                if (i % width < width / 2) leftMass += cam[i];
                else rightMass += cam[i];
            }
            Assert.True(left ? leftMass > rightMass : rightMass > leftMass,
                $"square on the {(left ? "left" : "right")}: Grad-CAM mass left {leftMass:F1}, right {rightMass:F1}");
        }
    }
}
