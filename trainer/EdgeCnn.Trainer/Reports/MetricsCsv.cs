using System.Globalization;
using System.Text;
using EdgeCnn.Trainer.Metrics;

namespace EdgeCnn.Trainer.Reports;

/// <summary>Writes the per-epoch history as metrics.csv.</summary>
internal static class MetricsCsv
{
    public const string Header = "epoch,learning_rate,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second";

    public static void Write(string path, IEnumerable<EpochMetrics> history)
    {
        var text = new StringBuilder().AppendLine(Header);
        foreach (EpochMetrics m in history)
        {
            text.AppendLine(string.Join(',',
                m.Epoch.ToString(CultureInfo.InvariantCulture),
                m.LearningRate.ToString("G6", CultureInfo.InvariantCulture),
                m.TrainLoss.ToString("F6", CultureInfo.InvariantCulture),
                m.TrainAccuracy.ToString("F6", CultureInfo.InvariantCulture),
                m.ValidationLoss.ToString("F6", CultureInfo.InvariantCulture),
                m.ValidationAccuracy.ToString("F6", CultureInfo.InvariantCulture),
                m.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                m.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture)));
        }
        File.WriteAllText(path, text.ToString());
    }
}
