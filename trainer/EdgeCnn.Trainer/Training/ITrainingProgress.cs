using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Reports;

namespace EdgeCnn.Trainer.Training;

/// <summary>Where a training run reports what it is doing: a progress bar on a terminal, lines in a log, or a test.</summary>
internal interface ITrainingProgress
{
    void Log(string message);

    /// <summary>Runs one epoch's batches; the body calls the reporter after every batch.</summary>
    void RunEpoch(int epoch, int epochs, int batches, Action<Action<BatchStatus>> body);

    void EpochCompleted(EpochMetrics metrics, bool best);
}

/// <summary>The running figures of the current epoch after a batch.</summary>
internal readonly record struct BatchStatus(int Batch, double Loss, double Accuracy, double ImagesPerSecond);
