using System.CommandLine;
using EdgeCnn.Trainer.Onnx;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>export</c>: a run's checkpoint as ONNX plus manifest, verified against ONNX Runtime before writing.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run-or-checkpoint") { Description = "A run folder that 'train' wrote, or a checkpoint file inside one (best.pt, last.pt)." };
        var output = new Option<string?>("--output", "-o") { Description = "Model path, e.g. models/shoes.onnx; the manifest goes beside it as .json. Default: RUN/model.onnx." };
        var softmax = new Option<bool>("--softmax") { Description = "End the model with a Softmax node, so it outputs probabilities instead of logits." };
        var cam = new Option<bool>("--cam") { Description = "Also output the last feature maps (with the weights in the manifest), so the device can draw class activation maps (/snapshot.jpg?cam=1). For nets ending in global average pooling and one dense layer." };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best or last.", DefaultValueFactory = _ => "best" };
        checkpoint.AcceptOnlyFromAmong("best", "last");
        var command = new Command("export", "Export a run as ONNX (opset 13) with its manifest; refuses to write a model that does not reproduce the trained network in ONNX Runtime.");
        command.Arguments.Add(run);
        command.Options.Add(output);
        command.Options.Add(softmax);
        command.Options.Add(checkpoint);
        command.Options.Add(cam);
        command.SetAction(result =>
        {
            string target = result.GetValue(run)!;
            // A checkpoint file carries only weights; the architecture, classes and preprocessing are in its run folder.
            string folder = File.Exists(target) ? Path.GetDirectoryName(Path.GetFullPath(target))! : target;
            string weights = File.Exists(target) ? target : result.GetValue(checkpoint)!;
            string path = result.GetValue(output) ?? Path.Combine(folder, "model.onnx");
            ModelExport.Result exported = ModelExport.FromRun(folder, path, result.GetValue(softmax) ? OutputKind.Probabilities : OutputKind.Logits,
                weights, Console.WriteLine, result.GetValue(cam));
            Console.WriteLine($"Wrote {exported.ModelPath} and {exported.ManifestPath}: verified on {exported.Comparison.Samples} {exported.VerifiedOn}, " +
                $"largest difference from TorchSharp {exported.Comparison.MaxAbsDifference:G3}, top-1 identical.");
            return ExitCodes.Success;
        });
        return command;
    }
}
