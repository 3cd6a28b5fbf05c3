using System.Globalization;
using EdgeCnn.Trainer.Metrics;
using ScottPlot;

namespace EdgeCnn.Trainer.Reports;

/// <summary>The PNG figures of a run: training curves and the confusion matrix.</summary>
internal static class Plots
{
    /// <summary>Loss (left axis) and accuracy (right axis) per epoch, for training and validation.</summary>
    public static void Curves(string path, IReadOnlyList<EpochMetrics> history, string title)
    {
        var plot = new Plot();
        double[] epochs = history.Select(m => (double)m.Epoch).ToArray();
        AddLine(plot, epochs, history.Select(m => m.TrainLoss), "train loss (dashed)", Colors.Blue, LinePattern.Dashed, rightAxis: false);
        AddLine(plot, epochs, history.Select(m => m.ValidationLoss), "validation loss", Colors.Blue, LinePattern.Solid, rightAxis: false);
        AddLine(plot, epochs, history.Select(m => m.TrainAccuracy * 100), "train accuracy (dashed)", Colors.OrangeRed, LinePattern.Dashed, rightAxis: true);
        AddLine(plot, epochs, history.Select(m => m.ValidationAccuracy * 100), "validation accuracy", Colors.OrangeRed, LinePattern.Solid, rightAxis: true);
        plot.Title(title);
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.Label.Text = "loss";
        plot.Axes.Right.Label.Text = "accuracy (%)";
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 900, 540);
    }

    private static void AddLine(Plot plot, double[] xs, IEnumerable<double> ys, string label, Color color, LinePattern pattern, bool rightAxis)
    {
        var line = plot.Add.Scatter(xs, ys.ToArray(), color);
        line.LegendText = label;
        line.LinePattern = pattern;
        line.LineWidth = 2;
        line.MarkerSize = xs.Length > 40 ? 0 : 5;
        if (rightAxis) line.Axes.YAxis = plot.Axes.Right;
    }

    /// <summary>A heat map of row-normalised counts with each cell's count written in it.</summary>
    public static void Confusion(string path, ConfusionMatrix matrix, string title)
    {
        int n = matrix.Classes.Count;
        var shares = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            long support = Math.Max(1, matrix.Support(a));
            for (int p = 0; p < n; p++) shares[a, p] = (double)matrix.Counts[a, p] / support;
        }
        var plot = new Plot();
        var colormap = new ScottPlot.Colormaps.Blues();
        // One rectangle per cell, so colour and count line up exactly; actual class a is row y = n - 1 - a (first on top).
        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
            {
                double y = n - 1 - a;
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colormap.GetColor(1 - shares[a, p]); // Blues runs dark to light: empty cells white.
                cell.LineWidth = 0;
                var text = plot.Add.Text(matrix.Counts[a, p].ToString(CultureInfo.InvariantCulture), p, n - 1 - a);
                text.Alignment = Alignment.MiddleCenter;
                text.LabelFontColor = shares[a, p] > 0.5 ? Colors.White : Colors.Black;
                text.LabelFontSize = n > 12 ? 9 : 13;
            }
        }
        double[] positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, matrix.Classes.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = n > 4 ? -45 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = n > 4 ? Alignment.MiddleRight : Alignment.UpperCenter;
        plot.Axes.Bottom.MinimumSize = 10 + 7 * matrix.Classes.Max(name => name.Length);
        plot.Axes.Left.MinimumSize = 10 + 7 * matrix.Classes.Max(name => name.Length);
        plot.Axes.Left.SetTicks(positions.Select(y => n - 1 - y).ToArray(), matrix.Classes.ToArray());
        plot.XLabel("predicted");
        plot.YLabel("actual");
        plot.Title($"{title}: accuracy {matrix.Accuracy:P2}");
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        int size = Math.Clamp(120 + 60 * n, 480, 1400);
        plot.SavePng(path, size + 80, size);
    }
}
