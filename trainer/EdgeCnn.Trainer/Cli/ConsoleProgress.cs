using System.Globalization;
using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Reports;
using EdgeCnn.Trainer.Training;
using Spectre.Console;

namespace EdgeCnn.Trainer.Cli;

/// <summary>
/// A live progress bar per epoch on a terminal (loss, accuracy, images/s, ETA); on a pipe or in CI, a plain line
/// at each quarter of an epoch so a log still shows progress.
/// </summary>
internal sealed class ConsoleProgress : ITrainingProgress
{
    private readonly bool _interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public void Log(string message) => Console.WriteLine(message);

    public void RunEpoch(int epoch, int epochs, int batches, Action<Action<BatchStatus>> body)
    {
        string prefix = $"epoch {epoch}/{epochs}";
        if (!_interactive)
        {
            int nextQuarter = 1;
            var started = DateTime.UtcNow;
            body(status =>
            {
                if (status.Batch * 4 < nextQuarter * batches || nextQuarter > 3) return;
                nextQuarter++;
                double elapsed = (DateTime.UtcNow - started).TotalSeconds;
                double eta = elapsed / status.Batch * (batches - status.Batch);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {prefix} {100.0 * status.Batch / batches,3:F0}%  loss {status.Loss:F4}  acc {status.Accuracy:P1}  {status.ImagesPerSecond:F0} img/s  ETA {eta:F0} s"));
            });
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask(prefix, maxValue: batches);
                body(status =>
                {
                    task.Value = status.Batch;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"{prefix}  loss {status.Loss:F4}  acc {status.Accuracy:P1}  {status.ImagesPerSecond:F0} img/s");
                });
            });
    }

    public void EpochCompleted(EpochMetrics m, bool best) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch,3}  train loss {m.TrainLoss:F4} acc {m.TrainAccuracy:P2}  val loss {m.ValidationLoss:F4} acc {m.ValidationAccuracy:P2}  lr {m.LearningRate:G3}  {m.ImagesPerSecond:F0} img/s  {m.Seconds:F1} s{(best ? "  *best" : "")}"));
}
