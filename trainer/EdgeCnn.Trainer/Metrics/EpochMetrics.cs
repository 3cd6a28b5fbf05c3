namespace EdgeCnn.Trainer.Metrics;

/// <summary>One row of metrics.csv. <see cref="Seconds"/> covers training and validation; <see cref="ImagesPerSecond"/> the training steps alone.</summary>
internal sealed record EpochMetrics(
    int Epoch,
    double LearningRate,
    double TrainLoss,
    double TrainAccuracy,
    double ValidationLoss,
    double ValidationAccuracy,
    double Seconds,
    double ImagesPerSecond);
