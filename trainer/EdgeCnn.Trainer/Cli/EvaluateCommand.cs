using System.CommandLine;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Reports;
using EdgeCnn.Trainer.Training;
using TorchSharp.Modules;
using TorchSharp;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>evaluate</c>: a run's checkpoint on a dataset split, with the same report as training writes.</summary>
internal static class EvaluateCommand
{
    public static Command Create(Func<string> commandLine)
    {
        var run = new Argument<string>("run") { Description = "The run folder that 'train' wrote." };
        var data = new Option<string?>("--data") { Description = "Dataset to evaluate on. Default: the run's own dataset." };
        var split = new Option<string>("--split") { Description = "test, val or train. test falls back to val when the dataset has no test split.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "val", "train");
        var checkpoint = new Option<string>("--checkpoint") { Description = "best or last.", DefaultValueFactory = _ => "best" };
        checkpoint.AcceptOnlyFromAmong("best", "last");
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };

        var command = new Command("evaluate", "Evaluate a run's checkpoint on a dataset split; writes eval-SPLIT.md and eval-SPLIT-confusion.png into the run folder.");
        command.Arguments.Add(run);
        foreach (Option option in new Option[] { data, split, checkpoint, device }) command.Options.Add(option);
        command.SetAction(result =>
        {
            string folder = result.GetValue(run)!;
            RunRecord record = RunRecord.Load(folder);
            var torchDevice = TorchRuntime.SelectDevice(result.GetValue(device)!);
            string dataset = result.GetValue(data) ?? record.Options.Data;
            LoadedData loaded = DatasetLoader.Load(dataset, record.Preprocessing, record.Options.ValidationSplit, record.Options.Seed);
            if (!loaded.Train.Classes.SequenceEqual(record.Classes))
                throw new InvalidDataException($"{dataset}: its classes [{string.Join(", ", loaded.Train.Classes)}] are not the run's [{string.Join(", ", record.Classes)}].");
            string requested = result.GetValue(split)!;
            (ImageSet set, string name) = requested switch
            {
                "train" => (loaded.Train, "train"),
                "val" => (loaded.Validation, "validation"),
                _ => loaded.Test is null ? (loaded.Validation, "validation") : (loaded.Test, "test"),
            };
            if (requested == "test" && loaded.Test is null) Console.WriteLine($"{dataset} has no test split; evaluating the validation split.");

            NetworkPlan plan = NetworkPlan.Create(record.Architecture, record.Input, record.Classes.Length);
            using Sequential model = NetworkBuilder.Build(plan);
            model.to(torchDevice);
            Checkpoint.Load(model, RunFolder.ResolveWeights(folder, result.GetValue(checkpoint)!), plan);
            Evaluator.Result evaluation = Evaluator.Evaluate(model, set, torchDevice, record.Options.Loss);
            string stem = $"eval-{(name == "validation" ? "val" : name)}";
            RunReport.Write(folder, record with { Dataset = loaded.Description }, evaluation.Confusion, name, commandLine(), stem);
            Console.WriteLine($"{record.Architecture.Name} ({result.GetValue(checkpoint)} checkpoint) on {name}: accuracy {evaluation.Confusion.Accuracy:P2}, loss {evaluation.Loss:F4}, {evaluation.Confusion.Total} images.");
            for (int c = 0; c < record.Classes.Length; c++)
                Console.WriteLine($"  {record.Classes[c],-16} precision {evaluation.Confusion.Precision(c):F3}  recall {evaluation.Confusion.Recall(c):F3}");
            Console.WriteLine($"Wrote {Path.Combine(folder, stem)}.md and {stem}-confusion.png.");
            return ExitCodes.Success;
        });
        return command;
    }
}
