using System.Globalization;
using System.Text;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using OpenCvSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Inspection;

/// <summary>
/// <c>inspect</c>: what a trained network's layers see for one image (the first layer's filters, every stage's
/// feature maps, Grad-CAM, the input as the network saw it), as PNGs and an <c>inspect.md</c> that shows them; and
/// the filters and Grad-CAM figures of a run's report.
/// </summary>
internal static class ModelInspection
{
    public sealed record Request(string RunFolder, string OutputFolder, string? ImagePath = null, int? TestIndex = null, string? ClassName = null, string Checkpoint = "best");

    public sealed record Result(string MarkdownPath, IReadOnlyList<string> Files, string Predicted, string Explained);

    public static Result Run(Request request)
    {
        RunRecord record = RunRecord.Load(request.RunFolder);
        NetworkPlan plan = NetworkPlan.Create(record.Architecture, record.Input, record.Classes.Length);
        using Sequential model = NetworkBuilder.Build(plan);
        Checkpoint.Load(model, RunFolder.ResolveWeights(request.RunFolder, request.Checkpoint), plan);
        PreprocessingSpec p = record.Preprocessing;
        int? classIndex = request.ClassName is null ? null
            : Array.IndexOf(record.Classes, request.ClassName) is int found and >= 0 ? found
            : throw new ArgumentException($"--class {request.ClassName}: not one of the run's classes ({string.Join(", ", record.Classes)}).");
        (float[] input, string source) = Input(request, record);

        Directory.CreateDirectory(request.OutputFolder);
        var files = new List<string>();
        string Out(string name)
        {
            files.Add(name);
            return Path.Combine(request.OutputFolder, name);
        }
        using Tensor x = tensor(input, [1, p.Channels, p.Height, p.Width]);
        using Mat seen = Reports.TensorImage.ToBgr(input, 0, p);
        InspectionImages.Input(Out("input.png"), seen);

        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"# What the layers of {plan.Architecture.Name} see");
        md.AppendLine();
        md.AppendLine(c, $"Run `{request.RunFolder}` ({request.Checkpoint} checkpoint), image: {source}.");
        md.AppendLine();
        md.AppendLine(c, $"## The input as the network saw it\n\n{p.Width}x{p.Height}x{p.Channels} after preprocessing ({p.ResizeMode.ToString().ToLowerInvariant()} resize, {p.Interpolation.ToString().ToLowerInvariant()} interpolation), enlarged:\n\n![input](input.png)\n");

        WriteFilters(model, plan, md, Out);
        WriteFeatureMaps(model, plan, x, md, Out);
        (string predicted, string explained) = WriteGradCam(model, plan, x, classIndex, record.Classes, seen, md, Out);
        string markdown = Out("inspect.md");
        File.WriteAllText(markdown, md.ToString());
        return new Result(markdown, files, predicted, explained);
    }

    // The first conv's filters, when the network has one.
    private static void WriteFilters(Sequential model, NetworkPlan plan, StringBuilder md, Func<string, string> file)
    {
        if (LayerOutputs.FirstFilters(model, plan) is not { } first) return;
        InspectionImages.Filters(file("filters.png"), first.Weights, first.Filters, first.Channels, first.Kernel,
            $"{first.Name}: {first.Filters} filters {first.Kernel}x{first.Kernel}x{first.Channels}");
        md.AppendLine(CultureInfo.InvariantCulture, $"## First-layer filters\n\n`{first.Name}`: {first.Filters} filters of {first.Kernel}x{first.Kernel}x{first.Channels}, all on one scale (mid-grey is 0){(first.Channels == 3 ? ", in colour" : "")}. Early filters tend to be edge and colour detectors.\n\n![filters](filters.png)\n");
    }

    // The feature maps at the end of each stage, one picture a stage.
    private static void WriteFeatureMaps(Sequential model, NetworkPlan plan, Tensor x, StringBuilder md, Func<string, string> file)
    {
        IReadOnlyList<LayerOutputs.Stage> stages = LayerOutputs.Of(model, plan, x);
        if (stages.Count == 0) return;
        md.AppendLine("## Feature maps, stage by stage\n\nEach map is stretched over its own range, written under it (black: its smallest value, white: its largest). Early stages keep the image's shape; later ones respond to parts.\n");
        for (int i = 0; i < stages.Count; i++)
        {
            string name = $"maps-{i + 1:00}-{Safe(stages[i].Name)}.png";
            InspectionImages.FeatureMaps(file(name), stages[i]);
            md.AppendLine(CultureInfo.InvariantCulture, $"### {stages[i].Name}: {stages[i].Channels} x {stages[i].Width}x{stages[i].Height}\n\n![{stages[i].Name}]({name})\n");
        }
    }

    // Grad-CAM for the class asked for (else the predicted one); a network it does not suit only gets its prediction.
    private static (string Predicted, string Explained) WriteGradCam(Sequential model, NetworkPlan plan, Tensor x, int? classIndex, string[] classes, Mat seen,
        StringBuilder md, Func<string, string> file)
    {
        var c = CultureInfo.InvariantCulture;
        try
        {
            (float[] cam, int predictedIndex, int explainedIndex, string layer) = GradCam.Compute(model, plan, x, classIndex);
            string predicted = classes[predictedIndex];
            string explained = classes[explainedIndex];
            using Mat panel = InspectionImages.GradCamPanel(seen, cam, $"predicted {predicted}; map for {explained}");
            InspectionImages.Grid(file("gradcam.png"), [panel], columns: 1);
            md.AppendLine(c, $"## Grad-CAM\n\nWhere the evidence for **{explained}** is (the network predicts **{predicted}**), from the maps of `{layer}`, the last layer that still has space in it: red is most evidence.\n\n![Grad-CAM](gradcam.png)\n");
            return (predicted, explained);
        }
        catch (InvalidDataException e)
        {
            using var noGrad = no_grad();
            using Tensor logits = model.call(x);
            string predicted = classes[(int)logits.argmax(1).item<long>()];
            md.AppendLine(c, $"## Grad-CAM\n\nNot for this network: {e.Message}\n");
            return (predicted, predicted);
        }
    }

    private static (float[] Input, string Source) Input(Request request, RunRecord record)
    {
        PreprocessingSpec p = record.Preprocessing;
        var input = new float[p.TensorLength];
        if (request.ImagePath is string path)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"--image {path}: no such file.", path);
            new ImagePreprocessor(p).PrepareFile(path, input);
            return (input, $"`{path}`");
        }
        LoadedData data = DatasetLoader.Load(record.Options.Data, p, record.Options.ValidationSplit, record.Options.Seed);
        ImageSet set = data.Test ?? data.Validation;
        int index = request.TestIndex ?? 0;
        if (index < 0 || index >= set.Count)
            throw new ArgumentException($"--test-index {index}: the {(data.Test is null ? "validation" : "test")} set of {record.Options.Data} has {set.Count} images (0 to {set.Count - 1}).");
        set.Image(index).CopyTo(input);
        return (input, $"{(data.Test is null ? "validation" : "test")} image {index} of {record.Options.Data} (labelled {set.Classes[(int)set.Labels[index]]})");
    }

    /// <summary>
    /// For a run's report: <c>filters.png</c> and <c>gradcam.png</c> (up to 4 correctly and 4 wrongly classified
    /// images of <paramref name="set"/>); returns the Markdown that shows them, empty when the network has neither.
    /// </summary>
    public static string ReportFigures(Sequential model, NetworkPlan plan, ImageSet set, long[] predictions, IReadOnlyList<string> classes, string folder)
    {
        var md = new StringBuilder();
        if (LayerOutputs.FirstFilters(model, plan) is { } first)
        {
            InspectionImages.Filters(Path.Combine(folder, "filters.png"), first.Weights, first.Filters, first.Channels, first.Kernel,
                $"{first.Name}: {first.Filters} filters {first.Kernel}x{first.Kernel}x{first.Channels}");
            md.AppendLine("![first-layer filters](filters.png)\n");
        }
        int[] right = [.. Enumerable.Range(0, set.Count).Where(i => predictions[i] == set.Labels[i]).Take(4)];
        int[] wrong = [.. Enumerable.Range(0, set.Count).Where(i => predictions[i] != set.Labels[i]).Take(4)];
        PreprocessingSpec p = set.Preprocessing;
        Device device = model.parameters().First().device;
        var panels = new List<Mat>();
        try
        {
            foreach (int i in right.Concat(wrong))
            {
                using Tensor x = tensor(set.Image(i).ToArray(), [1, p.Channels, p.Height, p.Width]).to(device);
                (float[] cam, int predicted, _, _) = GradCam.Compute(model, plan, x);
                using Mat seen = Reports.TensorImage.ToBgr(set.Pixels, i * p.TensorLength, p);
                panels.Add(InspectionImages.GradCamPanel(seen, cam, $"{classes[(int)set.Labels[i]]} -> {classes[predicted]}"));
            }
            if (panels.Count > 0)
            {
                InspectionImages.Grid(Path.Combine(folder, "gradcam.png"), panels, columns: 4);
                md.AppendLine(CultureInfo.InvariantCulture, $"Grad-CAM of {right.Length} correctly and {wrong.Length} wrongly classified test images (true -> predicted; red is where the evidence for the prediction is):\n\n![Grad-CAM](gradcam.png)\n");
            }
        }
        catch (InvalidDataException)
        {
            // A dense network on raw pixels has no maps to explain; the filters (if any) are the figure.
        }
        finally
        {
            foreach (Mat panel in panels) panel.Dispose();
        }
        return md.Length == 0 ? "" : "## What the layers see\n\n" + md;
    }

    private static string Safe(string name) => string.Concat(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '-'));
}
