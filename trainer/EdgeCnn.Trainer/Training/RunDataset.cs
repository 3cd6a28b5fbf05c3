using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Scene;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Training;

/// <summary>
/// A run's data once the background class and scene augmentation are applied: the class list (the dataset's, plus
/// the background class when scenes add it), and the validation and test sets the run is scored on (camera-like
/// scene sets when scene augmentation is on, with the clean test set kept beside them).
/// </summary>
internal sealed class RunDataset : IDisposable
{
    /// <summary>The image sets of a run, as <see cref="Prepare"/> makes them: they travel together into the constructor.</summary>
    private sealed record Sets(ImageSet Train, ImageSet Validation, ImageSet? Test, ImageSet? CleanTest, string ValidationDescription);

    private RunDataset(string[] classes, int backgroundIndex, Sets sets, SceneComposer? composer, BackgroundBank? bank)
    {
        Classes = classes;
        BackgroundIndex = backgroundIndex;
        Train = sets.Train;
        Validation = sets.Validation;
        Test = sets.Test;
        CleanTest = sets.CleanTest;
        Composer = composer;
        _bank = bank;
        ValidationDescription = sets.ValidationDescription;
    }

    private readonly BackgroundBank? _bank;

    public string[] Classes { get; }

    /// <summary>Index of the background class in <see cref="Classes"/>, or -1.</summary>
    public int BackgroundIndex { get; }

    public string? BackgroundClass => BackgroundIndex < 0 ? null : Classes[BackgroundIndex];

    public ImageSet Train { get; }

    /// <summary>What each epoch is scored on and the open-set threshold is calibrated on.</summary>
    public ImageSet Validation { get; }

    /// <summary>What the report describes (a scene set under scene augmentation), or null without a test split.</summary>
    public ImageSet? Test { get; }

    /// <summary>The dataset's own test images, when <see cref="Test"/> is a scene set made from them.</summary>
    public ImageSet? CleanTest { get; }

    /// <summary>Composes training batches into scenes; null when scene augmentation is off.</summary>
    public SceneComposer? Composer { get; }

    public string ValidationDescription { get; }

    /// <summary>The items cut out of captured frames by their difference from the empty scene (part of
    /// <see cref="Train"/>), or null.</summary>
    public ImageSet? Cutouts { get; private init; }

    public static RunDataset Prepare(TrainOptions options, LoadedData data, PreprocessingSpec preprocessing, ITrainingProgress progress)
    {
        string[] dataClasses = [.. data.Train.Classes];
        string backgroundName = options.BackgroundClass ?? TrainOptions.DefaultBackgroundClass;
        int backgroundIndex = Array.IndexOf(dataClasses, backgroundName);
        string[] classes = dataClasses;
        if (backgroundIndex < 0 && options.Scene is not null)
        {
            // Scenes bring their own empty frames: the background class is added after the dataset's classes.
            classes = [.. dataClasses, backgroundName];
            backgroundIndex = dataClasses.Length;
        }
        else if (backgroundIndex < 0 && options.BackgroundClass is not null)
        {
            throw new ArgumentException($"--background-class {backgroundName}: {options.Data} has no such class ({string.Join(", ", dataClasses)}); " +
                $"add a folder {backgroundName}/ with photos of the empty scene, or turn on --scene so the trainer makes one.");
        }
        if (backgroundIndex >= 0) progress.Log($"Background class: '{backgroundName}' (\"nothing of interest\"; no device rule can watch it).");

        if (options.Scene is null)
            return new RunDataset(classes, backgroundIndex, new Sets(data.Train, data.Validation, data.Test, null, "validation split"), null, null);

        SceneOptions scene = options.Scene;
        ImageSet train = data.Train;
        ImageSet? cut = null;
        if (scene.CutFromBackground)
        {
            if (backgroundIndex >= dataClasses.Length || train.Files is null)
                throw new ArgumentException($"--cut-from-background: {options.Data} needs a class folder '{backgroundName}' of frames of the empty scene, captured with the same camera as the objects.");
            ImageSet? cutouts = DifferenceCutouts.Make(train, backgroundIndex, out string made);
            progress.Log($"Cut-outs from the empty scene: {made}.");
            if (cutouts is not null) train = train.Concat(cutouts);
            cut = cutouts;
        }
        int side = Math.Max(96, 4 * Math.Max(preprocessing.Width, preprocessing.Height));
        var bank = BackgroundBank.Create(scene.BackgroundImages, preprocessing.Channels, side);
        foreach (string skipped in bank.Skipped.Take(5)) progress.Log($"Skipped background photo: {skipped}");
        bool mask = scene.MaskItems ?? DatasetLoader.Resolve(options.Data).Kind == DatasetLoader.Kind.Idx;
        var composer = new SceneComposer(scene, preprocessing, bank, backgroundIndex, mask);
        progress.Log($"Scene augmentation: {bank.Photos} photo(s){(scene.BackgroundImages is null ? "" : $" from {scene.BackgroundImages}")} and {bank.Count - bank.Photos} textures " +
            $"as backgrounds; {(mask ? "items cut out by their own pixels" : train.Alpha is null ? "captured frames augmented as frames (no cut-outs: no image has transparency)" : "cut-outs pasted by their alpha channel, other images augmented as frames")}, items at {scene.MinScale:0.##}..{scene.MaxScale:0.##} of the frame; " +
            $"{scene.BackgroundFraction:P0} empty scenes and {scene.CleanFraction:P0} clean items per batch" +
            (scene.Repeat > 1 ? $"; each image in {scene.Repeat} scenes per epoch." : "."));

        // One empty scene for each object class's share, as a camera watching for one class at a time would see.
        double emptyShare = 1.0 / dataClasses.Length;
        ImageSet Relabel(ImageSet set) => scene.Repeat == 1 ? set.WithClasses(classes)
            : set.WithClasses(classes).Subset([.. Enumerable.Range(0, scene.Repeat).SelectMany(_ => Enumerable.Range(0, set.Count))]);
        ImageSet validation = SceneSet.Compose(Relabel(data.Validation), classes, composer, options.Seed + 1000, emptyShare);
        ImageSet? test = data.Test is null ? null : SceneSet.Compose(Relabel(data.Test), classes, composer, options.Seed + 2000, emptyShare);
        var sets = new Sets(Relabel(train), validation, test, data.Test?.WithClasses(classes), "validation split composed into scenes");
        return new RunDataset(classes, backgroundIndex, sets, composer, bank) { Cutouts = cut?.WithClasses(classes) };
    }

    public void Dispose() => _bank?.Dispose();
}
