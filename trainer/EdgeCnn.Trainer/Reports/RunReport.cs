using System.Globalization;
using System.Text.Json;
using System.Text;
using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Trainer.Reports;

/// <summary>Writes report.md and confusion.png for a run's (or an evaluation's) best checkpoint.</summary>
internal static class RunReport
{
    public static void Write(string folder, RunRecord run, ConfusionMatrix confusion, string split, string? command = null, string fileStem = "report")
    {
        Directory.CreateDirectory(folder);
        string confusionPng = fileStem == "report" ? "confusion.png" : $"{fileStem}-confusion.png";
        Plots.Confusion(Path.Combine(folder, confusionPng), confusion, $"{run.Architecture.Name}, {split} set");
        File.WriteAllText(Path.Combine(folder, fileStem + ".md"), Markdown(run, confusion, split, command ?? run.Command, confusionPng));
    }

    public static string Markdown(RunRecord run, ConfusionMatrix confusion, string split, string command, string confusionPng)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# {run.Architecture.Name}: {confusion.Accuracy:P2} {split} accuracy");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine(c, $"| dataset | {run.Dataset} |");
        md.AppendLine(c, $"| input | {run.Input} ({Spell(run.Preprocessing.ResizeMode)}, mean {Join(run.Preprocessing.Mean)}, std {Join(run.Preprocessing.Std)}) |");
        md.AppendLine(c, $"| architecture | {run.Architecture.Name}: {run.Architecture.Description ?? "from an architecture file"} |");
        md.AppendLine(c, $"| parameters | {run.Parameters:N0} |");
        md.AppendLine(c, $"| MACs per image | {run.Macs:N0} |");
        md.AppendLine(c, $"| optimizer | {Spell(run.Options.Optimizer)} lr {run.Options.LearningRate.ToString(c)}, weight decay {run.Options.WeightDecay.ToString(c)}, schedule {Spell(run.Options.Schedule)}, batch {run.Options.BatchSize}, loss {Spell(run.Options.Loss)} |");
        md.AppendLine(c, $"| epochs | {run.EpochsCompleted} of {run.Options.Epochs}{(run.StoppedEarly ? " (stopped early)" : "")}; best epoch {run.BestEpoch} (validation accuracy {run.BestValidationAccuracy:P2}) |");
        md.AppendLine(c, $"| training wall time | {TimeSpan.FromSeconds(run.TrainingSeconds):hh\\:mm\\:ss} on {run.Device}, {run.Threads} threads |");
        if (run.SkippedImages > 0) md.AppendLine(c, $"| skipped images | {run.SkippedImages} (unreadable; listed in the training log) |");
        md.AppendLine(c, $"| trainer | edgecnn-train {run.TrainerVersion} |");
        md.AppendLine();
        md.AppendLine(c, $"## Per class ({split} set, {confusion.Total:N0} images)");
        md.AppendLine();
        md.AppendLine("| class | precision | recall | F1 | support |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        for (int i = 0; i < confusion.Classes.Count; i++)
            md.AppendLine(c, $"| {confusion.Classes[i]} | {confusion.Precision(i):F3} | {confusion.Recall(i):F3} | {confusion.F1(i):F3} | {confusion.Support(i)} |");
        md.AppendLine();
        md.AppendLine(c, $"![confusion matrix]({confusionPng})");
        AppendOpenSet(md, run, split);
        if (run.History.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Training curves");
            md.AppendLine();
            md.AppendLine("![loss and accuracy per epoch](curves.png)");
            md.AppendLine();
            md.AppendLine("Per-epoch figures are in `metrics.csv`.");
        }
        return md.ToString();
    }

    private static void AppendOpenSet(StringBuilder md, RunRecord run, string split)
    {
        if (run.OpenSet is null) return;
        var c = CultureInfo.InvariantCulture;
        OpenSetCalibration.Effect? effect = run.OpenSetEffect;
        md.AppendLine();
        md.AppendLine("## Telling \"nothing\" from \"something\"");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine(c, $"| background class | {(run.BackgroundClass is null ? "none: every frame is some class (add one, or train with --scene)" : $"`{run.BackgroundClass}`: precision and recall are in its row above")} |");
        md.AppendLine(c, $"| open-set threshold | max-softmax {run.OpenSet.Threshold:0.####}: keeps {run.OpenSet.KeptCorrect:P0} of the correctly classified items of the {run.OpenSet.CalibratedOn}; below it the device says \"unknown\" |");
        if (effect is not null)
        {
            if (effect.FalseAlarmRate is double alarms)
                md.AppendLine(c, $"| false-alarm rate ({split} set) | {alarms:P2} of the empty scenes get an object class as top-1; {effect.FalseAlarmRateWithThreshold:P2} do at or above the threshold |");
            md.AppendLine(c, $"| correct items kept ({split} set) | {effect.ItemsKept:P1}; {effect.ItemsRejected:P1} of all items fall below the threshold |");
            md.AppendLine(c, $"| accuracy with the threshold ({split} set) | {effect.AccuracyWithThreshold:P2} (a rejected frame counts as \"nothing\": right on an empty scene, wrong on an item) |");
        }
        if (run.CleanTestAccuracy is double clean)
            md.AppendLine(c, $"| clean test accuracy | {clean:P2} on the dataset's own test images (no scene), top-1 over all {run.Classes.Length} classes |");
    }

    /// <summary>An enum as the command line spells it (one-cycle, adamw).</summary>
    private static string Spell<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    private static string Join(float[] values) => string.Join("/", values.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)));
}
