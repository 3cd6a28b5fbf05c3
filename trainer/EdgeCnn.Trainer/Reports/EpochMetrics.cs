namespace EdgeCnn.Trainer.Reports;

/// <summary>One row of metrics.csv.</summary>
internal sealed record EpochMetrics(
    int Epoch,
    double LearningRate,
    double TrainLoss,
    double TrainAccuracy,
    double ValidationLoss,
    double ValidationAccuracy,
    double Seconds,
    double ImagesPerSecond);
