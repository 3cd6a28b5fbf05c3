using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Reports;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Tests.Support;

/// <summary>Collects what a training run reports; can cancel the run after a given epoch.</summary>
internal sealed class RecordingProgress(CancellationTokenSource? cancelAfter = null, int cancelAfterEpoch = int.MaxValue) : ITrainingProgress
{
    public List<string> Lines { get; } = [];
    public List<EpochMetrics> Epochs { get; } = [];

    public void Log(string message) => Lines.Add(message);

    public void RunEpoch(int epoch, int epochs, int batches, Action<Action<BatchStatus>> body) => body(_ => { });

    public void EpochCompleted(EpochMetrics metrics, bool best)
    {
        Epochs.Add(metrics);
        if (metrics.Epoch >= cancelAfterEpoch) cancelAfter?.Cancel();
    }
}
