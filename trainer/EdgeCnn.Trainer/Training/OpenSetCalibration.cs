using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Training;

/// <summary>
/// Chooses the open-set threshold on the validation split: the largest max-softmax confidence that still keeps
/// <see cref="KeptCorrect"/> of the correctly classified items (background images excluded), and measures what it
/// does to the background images (false alarms with and without it).
/// </summary>
internal static class OpenSetCalibration
{
    /// <summary>Share of correctly classified validation items the threshold must keep.</summary>
    public const double KeptCorrect = 0.99;

    /// <summary>What a threshold does on one evaluated set.</summary>
    /// <param name="FalseAlarmRate">Background images given an object class (top-1, no threshold); null without a background class.</param>
    /// <param name="FalseAlarmRateWithThreshold">The same, counting only predictions at or above the threshold.</param>
    /// <param name="ItemsKept">Correctly classified items at or above the threshold.</param>
    /// <param name="ItemsRejected">Items (right or wrong) below the threshold.</param>
    public sealed record Effect(double? FalseAlarmRate, double? FalseAlarmRateWithThreshold, double ItemsKept, double ItemsRejected, double AccuracyWithThreshold);

    /// <summary>The threshold from <paramref name="validation"/>'s predictions; never reads another split.</summary>
    public static OpenSetThreshold Calibrate(ImageSet validation, Evaluator.Result result, int backgroundClass, string description)
    {
        float[] kept = Enumerable.Range(0, validation.Count)
            .Where(i => validation.Labels[i] != backgroundClass && result.Predictions[i] == validation.Labels[i])
            .Select(i => result.Confidence[i]).Order().ToArray();
        // The value at the 1st percentile: 99 % of the correct items are at or above it.
        float threshold = kept.Length == 0 ? 0f : kept[(int)Math.Floor((1 - KeptCorrect) * kept.Length)];
        return new OpenSetThreshold { Threshold = threshold, KeptCorrect = KeptCorrect, CalibratedOn = $"{description}, {validation.Count:N0} images" };
    }

    /// <summary>Measures <paramref name="threshold"/> on a set's predictions.</summary>
    public static Effect Measure(ImageSet set, Evaluator.Result result, int backgroundClass, float threshold)
    {
        int backgrounds = 0, alarms = 0, alarmsAbove = 0, items = 0, itemsCorrect = 0, correctKept = 0, rejected = 0, rightWithThreshold = 0;
        for (int i = 0; i < set.Count; i++)
        {
            long truth = set.Labels[i], predicted = result.Predictions[i];
            bool above = result.Confidence[i] >= threshold;
            // With a threshold, a rejected frame counts as "nothing": right for a background image, wrong for an item.
            bool saidNothing = predicted == backgroundClass || !above;
            if (truth == backgroundClass)
            {
                backgrounds++;
                if (predicted != backgroundClass) alarms++;
                if (!saidNothing) alarmsAbove++;
                else rightWithThreshold++;
                continue;
            }
            items++;
            if (predicted == truth) itemsCorrect++;
            if (predicted == truth && above) { correctKept++; rightWithThreshold++; }
            if (!above) rejected++;
        }
        return new Effect(
            backgrounds == 0 ? null : (double)alarms / backgrounds,
            backgrounds == 0 ? null : (double)alarmsAbove / backgrounds,
            itemsCorrect == 0 ? 0 : (double)correctKept / itemsCorrect,
            items == 0 ? 0 : (double)rejected / items,
            set.Count == 0 ? 0 : (double)rightWithThreshold / set.Count);
    }
}
