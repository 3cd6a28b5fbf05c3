namespace EdgeCnn.Trainer.Metrics;

/// <summary>Counts of (actual class, predicted class) over one evaluation, with the per-class figures from it.</summary>
internal sealed class ConfusionMatrix
{
    public ConfusionMatrix(IReadOnlyList<string> classes)
    {
        Classes = classes;
        Counts = new long[classes.Count, classes.Count];
    }

    public IReadOnlyList<string> Classes { get; }

    /// <summary>[actual, predicted].</summary>
    public long[,] Counts { get; }

    public long Total { get; private set; }

    public void Add(long actual, long predicted)
    {
        Counts[actual, predicted]++;
        Total++;
    }

    public double Accuracy => Total == 0 ? 0 : (double)Enumerable.Range(0, Classes.Count).Sum(c => Counts[c, c]) / Total;

    public long Support(int c) => Enumerable.Range(0, Classes.Count).Sum(p => Counts[c, p]);

    /// <summary>Of the images predicted as class c, the fraction that were c (0 when none were predicted).</summary>
    public double Precision(int c)
    {
        long predicted = Enumerable.Range(0, Classes.Count).Sum(a => Counts[a, c]);
        return predicted == 0 ? 0 : (double)Counts[c, c] / predicted;
    }

    /// <summary>Of the images of class c, the fraction predicted as c.</summary>
    public double Recall(int c)
    {
        long support = Support(c);
        return support == 0 ? 0 : (double)Counts[c, c] / support;
    }

    public double F1(int c)
    {
        double p = Precision(c), r = Recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
