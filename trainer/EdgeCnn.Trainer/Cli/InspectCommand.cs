using System.CommandLine;
using EdgeCnn.Trainer.Inspection;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>inspect</c>: what a trained network's layers see for one image, as PNGs and inspect.md.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "The run folder that 'train' wrote." };
        var image = new Option<string?>("--image") { Description = "An image file to look at (any size; prepared as the device prepares frames)." };
        var testIndex = new Option<int?>("--test-index") { Description = "Or this image of the run's test set (validation when there is none). Default: 0." };
        var className = new Option<string?>("--class") { Description = "Explain this class in Grad-CAM instead of the predicted one." };
        var output = new Option<string?>("--output", "-o") { Description = "Folder for the PNGs and inspect.md. Default: RUN/inspect." };
        var checkpoint = new Option<string>("--checkpoint") { Description = "best or last.", DefaultValueFactory = _ => "best" };
        checkpoint.AcceptOnlyFromAmong("best", "last");
        var command = new Command("inspect", "Show what the layers see for one image: the first layer's filters, the feature maps of every conv and pooling stage, Grad-CAM, and the input as the network saw it (PNGs and inspect.md).");
        command.Arguments.Add(run);
        foreach (Option option in new Option[] { image, testIndex, className, output, checkpoint }) command.Options.Add(option);
        command.SetAction(result =>
        {
            string folder = result.GetValue(run)!;
            if (result.GetValue(image) is not null && result.GetValue(testIndex) is not null)
                throw new ArgumentException("--image and --test-index: give one of them (the image to look at).");
            var request = new ModelInspection.Request(folder, result.GetValue(output) ?? Path.Combine(folder, "inspect"), result.GetValue(image),
                result.GetValue(testIndex), result.GetValue(className), result.GetValue(checkpoint)!);
            ModelInspection.Result inspected = ModelInspection.Run(request);
            Console.WriteLine($"Predicted {inspected.Predicted}; Grad-CAM for {inspected.Explained}. Wrote {inspected.MarkdownPath} with {string.Join(", ", inspected.Files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))}.");
            return ExitCodes.Success;
        });
        return command;
    }
}
