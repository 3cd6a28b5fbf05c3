using System.Text.Json;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Reports;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Training;

/// <summary>
/// run.json: what a run was asked to do and how far it got. <c>--resume</c>, <c>--init-from</c>,
/// <c>evaluate</c> and the exporter all start from it.
/// </summary>
internal sealed record RunRecord
{
    public string TrainerVersion { get; init; } = TrainerInfo.Version;
    public string Command { get; init; } = "";
    public TrainOptions Options { get; init; } = new();
    public ArchitectureSpec Architecture { get; init; } = new();
    public InputShape Input { get; init; } = new(1, 28, 28);
    public string[] Classes { get; init; } = [];
    public PreprocessingSpec Preprocessing { get; init; } = new();
    public long Parameters { get; init; }
    public long Macs { get; init; }
    public string Dataset { get; init; } = "";
    public int SkippedImages { get; init; }
    public string Device { get; init; } = "cpu";
    public int Threads { get; init; }
    public int EpochsCompleted { get; init; }
    public int BestEpoch { get; init; }
    public double BestValidationAccuracy { get; init; }
    public double? TestAccuracy { get; init; }
    public bool StoppedEarly { get; init; }
    public bool Finished { get; init; }
    public double TrainingSeconds { get; init; }
    public List<EpochMetrics> History { get; init; } = [];

    /// <summary>The class that means "nothing of interest", or null when the run has none.</summary>
    public string? BackgroundClass { get; init; }

    /// <summary>The open-set threshold calibrated on the validation split after training.</summary>
    public OpenSetThreshold? OpenSet { get; init; }

    /// <summary>Accuracy on the dataset's own (clean) test images, when scene augmentation made the report's test set a scene set.</summary>
    public double? CleanTestAccuracy { get; init; }

    /// <summary>The threshold's effect on the report's split.</summary>
    public OpenSetCalibration.Effect? OpenSetEffect { get; init; }

    public static RunRecord Load(string runFolder)
    {
        string path = RunFolder.RecordPath(runFolder);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{runFolder}: not a run folder (no run.json). Give the folder that 'edgecnn-train train' wrote.", path);
        try
        {
            return JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), VisionJson.Options)
                ?? throw new InvalidDataException($"{path}: empty run record.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid run record ({e.Message}); it may come from another trainer version.", e);
        }
    }

    /// <summary>Writes run.json through a temporary file, so a crash never leaves half a record.</summary>
    public void Save(string runFolder) => SaveAs(RunFolder.RecordPath(runFolder));

    /// <summary>Writes the record to <paramref name="path"/> through a temporary file, so a crash never leaves half of it.</summary>
    public void SaveAs(string path)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, VisionJson.Options));
        File.Move(temporary, path, overwrite: true);
    }
}
