using System.CommandLine;
using System.Globalization;
using EdgeCnn.Trainer.Scene;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>train</c>'s scene-augmentation options (<c>--scene</c> and the <c>--scene-*</c> family), read into <see cref="SceneOptions"/>.</summary>
internal sealed class SceneArguments
{
    private static readonly SceneOptions Defaults = new();

    private readonly Option<bool> _scene = new("--scene") { Description = "Scene augmentation: items (cut-outs with an alpha channel, or IDX items) are pasted at random scale, place and rotation onto backgrounds, captured frames are cropped, zoomed and mirrored as frames; then camera light, poles and branches in front, blur and noise. Adds the background class when the data has none." };
    private readonly Option<string?> _backgroundImages = new("--background-images") { Description = "Scene augmentation: a folder of photos of the empty scene (or any photos) to paste onto; default: synthesised textures only." };
    private readonly Option<string?> _backgroundClass = new("--background-class") { Description = $"The class that means \"nothing of interest\" (default: '{TrainOptions.DefaultBackgroundClass}' when the data has it or --scene adds it)." };
    private readonly Option<string> _scale = new("--scene-scale") { Description = "Scene augmentation: item size range as MIN..MAX fractions of the frame.", DefaultValueFactory = _ => string.Create(CultureInfo.InvariantCulture, $"{Defaults.MinScale}..{Defaults.MaxScale}") };
    private readonly Option<double> _rotate = new("--scene-rotate") { Description = "Scene augmentation: largest item rotation in degrees.", DefaultValueFactory = _ => Defaults.Rotate };
    private readonly Option<double> _backgroundFraction = new("--background-fraction") { Description = "Scene augmentation: share of each batch shown as empty scenes (background class).", DefaultValueFactory = _ => Defaults.BackgroundFraction };
    private readonly Option<double> _clean = new("--scene-clean") { Description = "Scene augmentation: share of each batch left clean (as the dataset has it).", DefaultValueFactory = _ => Defaults.CleanFraction };
    private readonly Option<double> _noise = new("--scene-noise") { Description = "Scene augmentation: largest sensor-noise standard deviation, as a fraction of the pixel range.", DefaultValueFactory = _ => Defaults.Noise };
    private readonly Option<double> _overhang = new("--scene-overhang") { Description = "Scene augmentation: largest share of a pasted item that may lie beyond the frame's edge (0: always inside).", DefaultValueFactory = _ => Defaults.Overhang };
    private readonly Option<int> _repeat = new("--scene-repeat") { Description = "Scene augmentation: scenes composed from each image per epoch, and per validation image (for small sets such as a few dozen cut-outs).", DefaultValueFactory = _ => Defaults.Repeat };
    private readonly Option<bool> _cut = new("--cut-from-background") { Description = "Scene augmentation: also cut each captured object out of its frame by its difference from the nearest frame of the empty scene (the background class, same camera), and paste it at other sizes and places." };
    private readonly Option<double> _occlusion = new("--scene-occlusion") { Description = "Scene augmentation: share of scenes with a pole or branch in front (0: none).", DefaultValueFactory = _ => Defaults.Occlusion };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _scene, _backgroundImages, _backgroundClass, _scale, _rotate, _backgroundFraction, _clean, _noise, _overhang, _occlusion, _repeat, _cut })
            command.Options.Add(option);
    }

    public string? BackgroundClass(ParseResult result) => result.GetValue(_backgroundClass);

    /// <summary>The scene options, or null when <c>--scene</c> is off (and then no scene option may be given).</summary>
    public SceneOptions? Read(ParseResult result)
    {
        if (!result.GetValue(_scene))
        {
            if (result.GetValue(_backgroundImages) is string images)
                throw new ArgumentException($"--background-images {images} belongs to scene augmentation: add --scene.");
            return null;
        }
        (double min, double max) = RangeOption.Parse(result.GetValue(_scale)!, "--scene-scale", SceneLook.Training.ScaleRange);
        return new SceneOptions
        {
            BackgroundImages = result.GetValue(_backgroundImages),
            MinScale = min,
            MaxScale = max,
            Rotate = result.GetValue(_rotate),
            BackgroundFraction = result.GetValue(_backgroundFraction),
            CleanFraction = result.GetValue(_clean),
            Noise = result.GetValue(_noise),
            Overhang = result.GetValue(_overhang),
            Occlusion = result.GetValue(_occlusion),
            Repeat = result.GetValue(_repeat),
            CutFromBackground = result.GetValue(_cut),
        };
    }
}
