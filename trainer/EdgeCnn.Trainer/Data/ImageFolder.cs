using System.Collections.Concurrent;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Data;

/// <summary>Loads <c>root/&lt;class&gt;/*.png|jpg</c> through the shared <see cref="ImagePreprocessor"/>.</summary>
internal static class ImageFolder
{
    /// <summary>Class folder names, sorted, that hold at least one image file.</summary>
    public static string[] DiscoverClasses(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: folder not found.");
        string[] classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new InvalidDataException($"{root}: no class folders found; put images in {root}/<class>/*.png (or .jpg).");
        foreach (string name in classes)
        {
            // Before training, not at export twenty minutes later: the device refuses such a label too.
            if (ModelManifest.LabelProblem(name) is string problem) throw new InvalidDataException($"{root}: class folder {problem}");
            if (ImageFiles(Path.Combine(root, name)).Length == 0)
                throw new InvalidDataException($"{Path.Combine(root, name)}: class folder '{name}' holds no .png/.jpg/.jpeg/.bmp images; add images or remove the folder.");
        }
        if (classes.Length == 1)
            throw new InvalidDataException($"{root}: only one class ('{classes[0]}') found; a classifier needs at least two class folders.");
        return classes;
    }

    /// <summary>
    /// Decodes and prepares every image under <paramref name="root"/> whose folder is one of
    /// <paramref name="classes"/>. Unreadable images are skipped and reported, never fatal.
    /// </summary>
    public static (ImageSet Set, List<string> Skipped) Load(string root, IReadOnlyList<string> classes, PreprocessingSpec spec)
    {
        string[] unknown = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
                .Where(name => !name.StartsWith('.') && !classes.Contains(name)).ToArray()
            : throw new DirectoryNotFoundException($"{root}: folder not found.");
        if (unknown.Length > 0)
            throw new InvalidDataException($"{root}: class folder '{unknown[0]}' is not among the training classes ({string.Join(", ", classes)}).");

        var files = new List<(string Path, long Label)>();
        for (int c = 0; c < classes.Count; c++)
        {
            string folder = Path.Combine(root, classes[c]);
            if (!Directory.Exists(folder)) continue;
            files.AddRange(ImageFiles(folder).Select(path => (path, (long)c)));
        }

        (float[] pixels, bool[] kept, List<string> skipped, float[]? alpha) = PrepareCutouts(files.Select(f => f.Path).ToList(), spec);
        return (new ImageSet(pixels, files.Where((_, i) => kept[i]).Select(f => f.Label).ToArray(), classes, spec, alpha,
            [.. files.Where((_, i) => kept[i]).Select(f => f.Path)]), skipped);
    }

    /// <summary>
    /// <see cref="PrepareFiles"/> for files that may be cut-outs (PNGs with transparency, see <see cref="Cutout"/>):
    /// also each kept file's opacity plane, or null when none of them has transparent pixels.
    /// </summary>
    public static (float[] Pixels, bool[] Kept, List<string> Skipped, float[]? Alpha) PrepareCutouts(IReadOnlyList<string> files, PreprocessingSpec spec)
    {
        int plane = spec.Width * spec.Height;
        var alpha = new float[files.Count * (long)plane];
        int cutouts = 0;
        (float[] pixels, bool[] kept, List<string> skipped) = Prepare(files, spec, () => new Cutout(spec), (cutout, i, destination) =>
        {
            if (cutout.Prepare(files[i], destination, alpha.AsSpan(i * plane, plane))) Interlocked.Increment(ref cutouts);
        });
        if (cutouts == 0) return (pixels, kept, skipped, null);
        return (pixels, kept, skipped, Compact(alpha, kept, plane));
    }

    /// <summary>
    /// Decodes and prepares <paramref name="files"/> in parallel, each worker with its own preprocessor. Returns the
    /// tensors of the readable ones, one after another in file order, which files those were, and why the others
    /// were skipped (in file order).
    /// </summary>
    public static (float[] Pixels, bool[] Kept, List<string> Skipped) PrepareFiles(IReadOnlyList<string> files, PreprocessingSpec spec) =>
        Prepare(files, spec, () => new ImagePreprocessor(spec), (preprocessor, i, destination) => preprocessor.PrepareFile(files[i], destination));

    private delegate void PrepareOne<TWorker>(TWorker worker, int index, Span<float> destination);

    // Decoding dominates; each worker owns its preprocessor and writes a disjoint slice.
    private static (float[] Pixels, bool[] Kept, List<string> Skipped) Prepare<TWorker>(IReadOnlyList<string> files, PreprocessingSpec spec,
        Func<TWorker> newWorker, PrepareOne<TWorker> prepare) where TWorker : IDisposable
    {
        int length = spec.TensorLength;
        var pixels = new float[files.Count * (long)length];
        var ok = new bool[files.Count];
        var skipped = new ConcurrentBag<(int Index, string Reason)>();
        Parallel.For(0, files.Count, newWorker, (i, _, worker) =>
        {
            try
            {
                prepare(worker, i, pixels.AsSpan(i * length, length));
                ok[i] = true;
            }
            catch (InvalidDataException e)
            {
                skipped.Add((i, e.Message));
            }
            return worker;
        }, worker => worker.Dispose());

        List<string> reasons = skipped.OrderBy(s => s.Index).Select(s => s.Reason).ToList();
        return (Compact(pixels, ok, length), ok, reasons);
    }

    // The slices of the kept files, one after another (the same array when every file was kept).
    private static float[] Compact(float[] values, bool[] kept, int length)
    {
        int count = kept.Count(k => k);
        if (count == kept.Length) return values;
        var compact = new float[count * (long)length];
        for (int i = 0, j = 0; i < kept.Length; i++)
        {
            if (kept[i]) values.AsSpan(i * length, length).CopyTo(compact.AsSpan(j++ * length, length));
        }
        return compact;
    }

    private static string[] ImageFiles(string folder) =>
        Directory.GetFiles(folder)
            .Where(ImagePreprocessor.IsImageFile)
            .Order(StringComparer.Ordinal)
            .ToArray();
}
