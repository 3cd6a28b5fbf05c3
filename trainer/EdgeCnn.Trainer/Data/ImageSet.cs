using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Data;

/// <summary>
/// A labelled set of images already prepared into input tensors (NCHW floats), so that each image is decoded
/// and resized once per run and every epoch trains at tensor speed.
/// </summary>
internal sealed class ImageSet
{
    public ImageSet(float[] pixels, long[] labels, IReadOnlyList<string> classes, PreprocessingSpec preprocessing)
    {
        if (pixels.Length != labels.Length * (long)preprocessing.TensorLength)
            throw new ArgumentException($"{pixels.Length} floats do not make {labels.Length} images of {preprocessing.TensorLength}.");
        Pixels = pixels;
        Labels = labels;
        Classes = classes;
        Preprocessing = preprocessing;
    }

    /// <summary>All images, one after another, each laid out as <see cref="PreprocessingSpec.TensorLength"/> floats.</summary>
    public float[] Pixels { get; }

    /// <summary>Class index of each image.</summary>
    public long[] Labels { get; }

    public IReadOnlyList<string> Classes { get; }

    public PreprocessingSpec Preprocessing { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> Image(int index) =>
        Pixels.AsSpan(index * Preprocessing.TensorLength, Preprocessing.TensorLength);

    /// <summary>A new set holding the images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        int length = Preprocessing.TensorLength;
        var pixels = new float[indices.Count * (long)length];
        var labels = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * length, length));
            labels[i] = Labels[indices[i]];
        }
        return new ImageSet(pixels, labels, Classes, Preprocessing);
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
