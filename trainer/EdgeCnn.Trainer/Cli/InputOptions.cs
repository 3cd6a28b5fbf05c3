using System.CommandLine;
using System.Globalization;
using EdgeCnn.Trainer.Architecture;

namespace EdgeCnn.Trainer.Cli;

/// <summary>--size and --channels, shared by train and summary.</summary>
internal sealed class InputOptions
{
    public Option<string?> Size { get; } = new("--size") { Description = "Input size as WIDTHxHEIGHT (or one number for square). Default: the architecture's, else the dataset's (28x28 for IDX, 32x32 for image folders)." };
    public Option<int?> Channels { get; } = new("--channels") { Description = "1 (grayscale) or 3 (colour). Default: the architecture's, else the dataset's." };

    public void AddTo(Command command)
    {
        command.Options.Add(Size);
        command.Options.Add(Channels);
    }

    /// <summary>The user's input shape, filling what they left out from <paramref name="fallback"/>; null if they gave nothing.</summary>
    public InputShape? Read(ParseResult result, Func<InputShape> fallback)
    {
        string? size = result.GetValue(Size);
        int? channels = result.GetValue(Channels);
        if (size is null && channels is null) return null;
        InputShape basis = fallback();
        int width = basis.Width, height = basis.Height;
        if (size is not null)
        {
            string[] parts = size.ToLowerInvariant().Split('x');
            bool ok = parts.Length is 1 or 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out width)
                && int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out height) && width > 0 && height > 0;
            if (!ok) throw new ArgumentException($"--size {size}: write WIDTHxHEIGHT, for example 32x32, or one number such as 64.");
        }
        int c = channels ?? basis.Channels;
        if (c is not (1 or 3)) throw new ArgumentException($"--channels {c}: use 1 (grayscale) or 3 (colour).");
        return new InputShape(c, height, width);
    }
}
