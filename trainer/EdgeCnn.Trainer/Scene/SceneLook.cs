using System.Globalization;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// How big items are in a scene and how noisy its sensor is, for the two makers of scenes: the training
/// augmentation (<see cref="SceneOptions"/>) and the clip maker (<see cref="SceneClip"/>). They differ on purpose:
/// training spans a wider range than any clip shows (items from a third of the frame to all of it, noise up to 3 %),
/// so that what a camera shows lies inside what the network learned; a clip is one camera, with items of 0.35 to 0.9
/// of the frame's height and one sensor's noise (2 %). <c>SceneLookTests</c> holds the clip inside the training range.
/// </summary>
internal sealed record SceneLook(double MinScale, double MaxScale, double Noise)
{
    /// <summary>Training augmentation: items 0.33 to 1 of the frame's side; noise drawn up to 3 % of the pixel range.</summary>
    public static SceneLook Training { get; } = new(0.33, 1.0, 0.03);

    /// <summary>A made clip: items 0.35 to 0.9 of the frame's height; noise of 2 % of the pixel range on every frame.</summary>
    public static SceneLook Clip { get; } = new(0.35, 0.9, 0.02);

    /// <summary>The size range as the command line writes it, MIN..MAX.</summary>
    public string ScaleRange => string.Create(CultureInfo.InvariantCulture, $"{MinScale}..{MaxScale}");
}
