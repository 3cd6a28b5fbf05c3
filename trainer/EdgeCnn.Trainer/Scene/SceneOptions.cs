namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// Scene augmentation: each training item pasted at a random scale, position and rotation onto a background, then
/// camera-like light, noise and blur, so that the network learns what items look like in a camera frame and what
/// the empty scene looks like.
/// </summary>
internal sealed record SceneOptions
{
    /// <summary>Photos of the empty scene (or any photos); none means synthesised textures only.</summary>
    public string? BackgroundImages { get; init; }

    /// <summary>Smallest item size, as a fraction of the frame's side.</summary>
    public double MinScale { get; init; } = SceneLook.Training.MinScale;

    /// <summary>Largest item size, as a fraction of the frame's side.</summary>
    public double MaxScale { get; init; } = SceneLook.Training.MaxScale;

    /// <summary>Largest rotation of an item, in degrees.</summary>
    public double Rotate { get; init; } = 25;

    /// <summary>Share of each batch shown as empty scenes, labelled with the background class.</summary>
    public double BackgroundFraction { get; init; } = 0.15;

    /// <summary>Share of each batch left as the dataset has it (no scene), so clean images stay well recognised.</summary>
    public double CleanFraction { get; init; } = 0.2;

    /// <summary>Largest standard deviation of the sensor noise, as a fraction of the pixel range.</summary>
    public double Noise { get; init; } = SceneLook.Training.Noise;

    /// <summary>Largest share of an item's bounding box that may lie beyond the frame's edge (0: always inside).</summary>
    public double Overhang { get; init; } = 0.3;

    /// <summary>Share of scenes with a pole or a branch between the camera and the item.</summary>
    public double Occlusion { get; init; } = 0.25;

    /// <summary>How many scenes each image is composed into per epoch (and in the validation and test scene sets):
    /// a few dozen cut-outs make a short epoch, but every scene they make differs.</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>Whether captured frames of object classes are also cut out by their difference from the nearest
    /// empty-scene frame (the background class) and pasted elsewhere as cut-outs.</summary>
    public bool CutFromBackground { get; init; }

    /// <summary>Whether items are cut out by their own pixels (items on black, like Fashion-MNIST). Otherwise
    /// images with an alpha channel are cut out by it and the others are captured frames, augmented as frames.
    /// Null decides by the data: IDX items are masked, image folders are not.</summary>
    public bool? MaskItems { get; init; }

    public void Validate()
    {
        if (MinScale is <= 0.05 or > 1 || MaxScale < MinScale || MaxScale > 1)
            throw new ArgumentException($"--scene-scale {MinScale}..{MaxScale}: use fractions of the frame with 0.05 < min <= max <= 1.");
        if (Rotate is < 0 or > 180) throw new ArgumentException($"--scene-rotate {Rotate}: use degrees between 0 and 180.");
        if (BackgroundFraction is < 0 or >= 1) throw new ArgumentException($"--background-fraction {BackgroundFraction}: use a fraction in [0, 1).");
        if (CleanFraction is < 0 or >= 1 || CleanFraction + BackgroundFraction >= 1)
            throw new ArgumentException($"--scene-clean {CleanFraction}: use a fraction in [0, 1) that leaves room for scenes beside --background-fraction {BackgroundFraction}.");
        if (Overhang is < 0 or > 0.5) throw new ArgumentException($"--scene-overhang {Overhang}: use a fraction between 0 (items always inside the frame) and 0.5.");
        if (Occlusion is < 0 or > 1) throw new ArgumentException($"--scene-occlusion {Occlusion}: use a fraction between 0 and 1.");
        if (Repeat is < 1 or > 1000) throw new ArgumentException($"--scene-repeat {Repeat}: use a count between 1 and 1000.");
        if (Noise is < 0 or > 0.5) throw new ArgumentException($"--scene-noise {Noise}: use a fraction between 0 and 0.5.");
        if (BackgroundImages is not null && !Directory.Exists(BackgroundImages))
            throw new ArgumentException($"--background-images {BackgroundImages}: folder not found; give a folder of photos of the empty scene (e.g. from 'edgecnn-device capture --label background').");
    }
}
