namespace EdgeCnn.Trainer.Data;

/// <summary>The splits of one dataset, prepared, with what was skipped on the way.</summary>
internal sealed record LoadedData(
    ImageSet Train,
    ImageSet Validation,
    ImageSet? Test,
    string Description,
    int SkippedImages,
    IReadOnlyList<string> SkippedExamples);
