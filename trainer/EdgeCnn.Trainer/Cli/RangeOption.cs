using System.Globalization;

namespace EdgeCnn.Trainer.Cli;

/// <summary>Options written as MIN..MAX, such as --scene-scale 0.33..1.</summary>
internal static class RangeOption
{
    public static (double Min, double Max) Parse(string text, string option, string example)
    {
        string[] parts = text.Split("..");
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double min)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double max))
            throw new ArgumentException($"{option} {text}: write MIN..MAX, for example {example}.");
        return (min, max);
    }
}
