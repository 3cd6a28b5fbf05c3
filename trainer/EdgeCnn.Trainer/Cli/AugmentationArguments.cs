using System.CommandLine;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>train</c>'s augmentation options (<c>--shift</c> to <c>--erase</c>, and <c>--no-augment</c>), read into <see cref="AugmentationOptions"/>.</summary>
internal sealed class AugmentationArguments
{
    private static readonly AugmentationOptions Defaults = new();

    private readonly Option<double> _shift = new("--shift") { Description = "Augmentation: largest random shift as a fraction of the size (0: off).", DefaultValueFactory = _ => Defaults.Shift };
    private readonly Option<bool> _flip = new("--flip") { Description = "Augmentation: random horizontal flips (--flip false to turn off).", DefaultValueFactory = _ => Defaults.Flip };
    private readonly Option<double> _rotate = new("--rotate") { Description = "Augmentation: largest random rotation in degrees (0: off)." };
    private readonly Option<double> _brightness = new("--brightness") { Description = "Augmentation: largest brightness change as a fraction of the range (0: off)." };
    private readonly Option<double> _contrast = new("--contrast") { Description = "Augmentation: largest contrast change as a fraction (0: off)." };
    private readonly Option<double> _erase = new("--erase") { Description = "Augmentation: probability of random erasing (0: off)." };
    private readonly Option<bool> _noAugment = new("--no-augment") { Description = "Turn every augmentation off." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _shift, _flip, _rotate, _brightness, _contrast, _erase, _noAugment })
            command.Options.Add(option);
    }

    public AugmentationOptions Read(ParseResult result) => result.GetValue(_noAugment) ? AugmentationOptions.None : new AugmentationOptions
    {
        Shift = result.GetValue(_shift),
        Flip = result.GetValue(_flip),
        Rotate = result.GetValue(_rotate),
        Brightness = result.GetValue(_brightness),
        Contrast = result.GetValue(_contrast),
        Erase = result.GetValue(_erase),
    };
}
