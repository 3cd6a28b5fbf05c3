using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Data;

/// <summary>
/// A labelled set of images already prepared into input tensors (NCHW floats), so that each image is decoded
/// and resized once per run and every epoch trains at tensor speed.
/// </summary>
internal sealed class ImageSet
{
    /// <param name="alpha">Per image, its opacity at the input size (H*W floats, 0 transparent to 1 opaque), for sets
    /// with cut-outs (PNGs with an alpha channel); null when no image has one. Images without are fully opaque.</param>
    /// <param name="files">Per image the file it was prepared from, when it came from one (image folders).</param>
    public ImageSet(float[] pixels, long[] labels, IReadOnlyList<string> classes, PreprocessingSpec preprocessing, float[]? alpha = null,
        IReadOnlyList<string>? files = null)
    {
        if (pixels.Length != labels.Length * (long)preprocessing.TensorLength)
            throw new ArgumentException($"{pixels.Length} floats do not make {labels.Length} images of {preprocessing.TensorLength}.");
        if (alpha is not null && alpha.Length != labels.Length * (long)preprocessing.Width * preprocessing.Height)
            throw new ArgumentException($"{alpha.Length} opacity values do not make {labels.Length} planes of {preprocessing.Width}x{preprocessing.Height}.");
        if (files is not null && files.Count != labels.Length)
            throw new ArgumentException($"{files.Count} file names for {labels.Length} images.");
        Pixels = pixels;
        Labels = labels;
        Classes = classes;
        Preprocessing = preprocessing;
        Alpha = alpha;
        Files = files;
    }

    /// <summary>All images, one after another, each laid out as <see cref="PreprocessingSpec.TensorLength"/> floats.</summary>
    public float[] Pixels { get; }

    /// <summary>Class index of each image.</summary>
    public long[] Labels { get; }

    public IReadOnlyList<string> Classes { get; }

    public PreprocessingSpec Preprocessing { get; }

    /// <summary>Per image its opacity plane (1 = opaque), or null when every image is opaque.</summary>
    public float[]? Alpha { get; }

    /// <summary>Per image the file it was prepared from, or null when the set did not come from files.</summary>
    public IReadOnlyList<string>? Files { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> Image(int index) =>
        Pixels.AsSpan(index * Preprocessing.TensorLength, Preprocessing.TensorLength);

    /// <summary>A new set holding the images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        int length = Preprocessing.TensorLength, plane = Preprocessing.Width * Preprocessing.Height;
        var pixels = new float[indices.Count * (long)length];
        var labels = new long[indices.Count];
        float[]? alpha = Alpha is null ? null : new float[indices.Count * (long)plane];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * length, length));
            labels[i] = Labels[indices[i]];
            Alpha?.AsSpan(indices[i] * plane, plane).CopyTo(alpha.AsSpan(i * plane, plane));
        }
        return new ImageSet(pixels, labels, Classes, Preprocessing, alpha, Files is null ? null : [.. indices.Select(i => Files[i])]);
    }

    /// <summary>The same images and opacity under another class list (the dataset's, plus an added background class).</summary>
    public ImageSet WithClasses(IReadOnlyList<string> classes) => new(Pixels, Labels, classes, Preprocessing, Alpha, Files);

    /// <summary>This set's images followed by <paramref name="more"/>'s (same classes and preprocessing); an image
    /// without an opacity plane is opaque.</summary>
    public ImageSet Concat(ImageSet more)
    {
        int plane = Preprocessing.Width * Preprocessing.Height;
        float[] Opacity(ImageSet set) => set.Alpha ?? Enumerable.Repeat(1f, set.Count * plane).ToArray();
        float[]? alpha = Alpha is null && more.Alpha is null ? null : [.. Opacity(this), .. Opacity(more)];
        IReadOnlyList<string>? files = Files is null || more.Files is null ? null : [.. Files, .. more.Files];
        return new ImageSet([.. Pixels, .. more.Pixels], [.. Labels, .. more.Labels], Classes, Preprocessing, alpha, files);
    }

    /// <summary>
    /// Splits off a validation set of <paramref name="fraction"/> of each class (stratified, so rare classes
    /// are represented), chosen by <paramref name="seed"/>.
    /// </summary>
    public (ImageSet Train, ImageSet Validation) Split(double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the validation fraction must be between 0 and 1.");
        var random = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        foreach (var group in Enumerable.Range(0, Count).GroupBy(i => Labels[i]).OrderBy(g => g.Key))
        {
            int[] members = group.ToArray();
            random.Shuffle(members);
            int take = Math.Max(1, (int)Math.Round(members.Length * fraction));
            if (take >= members.Length) take = members.Length - 1;
            validation.AddRange(members.Take(take));
            train.AddRange(members.Skip(take));
        }
        train.Sort();
        validation.Sort();
        return (Subset(train), Subset(validation));
    }
}
