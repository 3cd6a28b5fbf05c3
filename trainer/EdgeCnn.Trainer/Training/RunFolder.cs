namespace EdgeCnn.Trainer.Training;

/// <summary>The files of a run folder, in one place.</summary>
internal static class RunFolder
{
    public static string RecordPath(string run) => Path.Combine(run, "run.json");
    public static string BestWeights(string run) => Path.Combine(run, "best.pt");
    public static string LastWeights(string run) => Path.Combine(run, "last.pt");
    public static string LastOptimizer(string run) => Path.Combine(run, "last.optimizer.pt");
    public static string LastRandomState(string run) => Path.Combine(run, "last.rng.pt");
    public static string Metrics(string run) => Path.Combine(run, "metrics.csv");
    public static string Curves(string run) => Path.Combine(run, "curves.png");
    public static string Confusion(string run) => Path.Combine(run, "confusion.png");
    public static string Report(string run) => Path.Combine(run, "report.md");
    public static string Model(string run) => Path.Combine(run, "model.onnx");
    public static string ArchitecturePath(string run) => Path.Combine(run, "architecture.json");

    /// <summary>runs/ARCH-yyyyMMdd-HHmmss, unique.</summary>
    public static string NewDefault(string architectureName)
    {
        string stem = Path.Combine("runs", $"{Path.GetFileNameWithoutExtension(architectureName)}-{DateTime.Now:yyyyMMdd-HHmmss}");
        string path = stem;
        for (int i = 2; Directory.Exists(path); i++) path = $"{stem}-{i}";
        return path;
    }

    /// <summary>A checkpoint path from a run folder (its best weights) or a .pt file.</summary>
    public static string ResolveWeights(string runOrCheckpoint, string which = "best")
    {
        if (File.Exists(runOrCheckpoint)) return runOrCheckpoint;
        if (!Directory.Exists(runOrCheckpoint)) throw new FileNotFoundException($"{runOrCheckpoint}: no such run folder or checkpoint file.");
        string path = which == "last" ? LastWeights(runOrCheckpoint) : BestWeights(runOrCheckpoint);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{runOrCheckpoint}: has no {Path.GetFileName(path)}; the run saved no checkpoint yet.", path);
    }
}
