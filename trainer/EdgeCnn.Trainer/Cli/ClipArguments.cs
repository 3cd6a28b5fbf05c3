using System.CommandLine;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Scene;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>clip</c>'s options, in the order its help lists them: those of every clip, then the <c>--scene</c> clip's, read into <see cref="SceneClip.Settings"/>.</summary>
internal sealed class ClipArguments
{
    public Option<string> Data { get; } = new("--data") { Description = "An IDX dataset: fashion-mnist, or a folder with t10k-*-ubyte files (only its test split is used); with --scene also a folder of cut-outs, root/<class>/*.png with an alpha channel.", DefaultValueFactory = _ => DatasetLoader.FashionMnistName };
    public Option<int> PerClass { get; } = new("--per-class") { Description = "Test images per class.", DefaultValueFactory = _ => 4 };
    public Option<double> Seconds { get; } = new("--seconds") { Description = "How long each image is shown.", DefaultValueFactory = _ => 1.0 };
    public Option<int> Fps { get; } = new("--fps") { Description = "Frames per second of the clip.", DefaultValueFactory = _ => 15 };
    public Option<int> Width { get; } = new("--width") { Description = "Frame width.", DefaultValueFactory = _ => 640 };
    public Option<int> Height { get; } = new("--height") { Description = "Frame height.", DefaultValueFactory = _ => 480 };
    public Option<int> Scale { get; } = new("--scale") { Description = "Each image is enlarged this many times (nearest neighbour) and centred.", DefaultValueFactory = _ => 16 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Chooses which test images.", DefaultValueFactory = _ => 1 };
    public Option<string> Output { get; } = new("--output", "-o") { Description = "The clip (.mp4 or .avi); the truth file goes beside it as NAME.truth.csv.", Required = true };
    public Option<bool> Scene { get; } = new("--scene") { Description = "A camera-like clip: items at random size, place and rotation on backgrounds, with light drift, sensor noise and empty stretches between them." };
    private readonly Option<double> _emptySeconds = new("--empty-seconds") { Description = "--scene: how long the empty scene shows before each item.", DefaultValueFactory = _ => 0.8 };
    private readonly Option<string?> _backgroundImages = new("--background-images") { Description = "--scene: a folder of photos to use as backgrounds, taking turns with synthesised textures (default: textures only)." };
    private readonly Option<string> _sceneScale = new("--scene-scale") { Description = "--scene: item size range as MIN..MAX fractions of the frame height.", DefaultValueFactory = _ => SceneLook.Clip.ScaleRange };
    private readonly Option<double> _noise = new("--noise") { Description = "--scene: sensor-noise standard deviation as a fraction of the pixel range.", DefaultValueFactory = _ => SceneLook.Clip.Noise };
    private readonly Option<string> _backgroundLabel = new("--background-label") { Description = "--scene: the truth file's name for empty stretches (the model's background class).", DefaultValueFactory = _ => "background" };
    private readonly Option<string?> _only = new("--only") { Description = "--scene: show only this class; with the background label, only empty stretches (--per-class of them, --seconds each): a clip to capture one class from." };
    private readonly Option<double> _edge = new("--edge") { Description = "--scene: share of items placed partly beyond the frame's edge.", DefaultValueFactory = _ => 0 };
    private readonly Option<double> _poles = new("--poles") { Description = "--scene: share of items with a pole in front of them.", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _light = new("--light") { Description = "--scene: each stretch's light as MIN..MAX factors on the scene (1: the photo's own; 0.35: dusk).", DefaultValueFactory = _ => "1..1" };
    private readonly Option<double> _rotate = new("--scene-rotate") { Description = "--scene: largest item rotation in degrees.", DefaultValueFactory = _ => 25 };
    private readonly Option<bool> _noTextures = new("--no-textures") { Description = "--scene: photos only, no synthesised textures between them (one camera's views of one place)." };
    private readonly Option<int> _perBackground = new("--items-per-background") { Description = "--scene: items shown on one background before the next.", DefaultValueFactory = _ => 10 };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Data, PerClass, Seconds, Fps, Width, Height, Scale, Seed, Output, Scene, _emptySeconds, _backgroundImages, _sceneScale, _noise, _backgroundLabel,
                     _only, _edge, _poles, _light, _rotate, _perBackground, _noTextures })
            command.Options.Add(option);
    }

    /// <summary>The settings of a <c>--scene</c> clip.</summary>
    public SceneClip.Settings ReadScene(ParseResult result)
    {
        (double min, double max) = RangeOption.Parse(result.GetValue(_sceneScale)!, "--scene-scale", SceneLook.Clip.ScaleRange);
        (double dark, double bright) = RangeOption.Parse(result.GetValue(_light)!, "--light", "0.35..1.1");
        return new SceneClip.Settings
        {
            Data = result.GetValue(Data)!,
            PerClass = result.GetValue(PerClass),
            Seconds = result.GetValue(Seconds),
            EmptySeconds = result.GetValue(_emptySeconds),
            Fps = result.GetValue(Fps),
            Width = result.GetValue(Width),
            Height = result.GetValue(Height),
            MinScale = min,
            MaxScale = max,
            Noise = result.GetValue(_noise),
            BackgroundImages = result.GetValue(_backgroundImages),
            BackgroundLabel = result.GetValue(_backgroundLabel)!,
            Only = result.GetValue(_only),
            Edge = result.GetValue(_edge),
            Occlusion = result.GetValue(_poles),
            MinLight = dark,
            MaxLight = bright,
            Rotate = result.GetValue(_rotate),
            ItemsPerBackground = result.GetValue(_perBackground),
            Textures = !result.GetValue(_noTextures),
            Seed = result.GetValue(Seed),
        };
    }
}
