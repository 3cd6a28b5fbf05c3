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

        (float[] pixels, bool[] kept, List<string> skipped) = PrepareFiles(files.Select(f => f.Path).ToList(), spec);
        return (new ImageSet(pixels, files.Where((_, i) => kept[i]).Select(f => f.Label).ToArray(), classes, spec), skipped);
    }

    /// <summary>
    /// Decodes and prepares <paramref name="files"/> in parallel, each worker with its own preprocessor. Returns the
    /// tensors of the readable ones, one after another in file order, which files those were, and why the others
    /// were skipped (in file order).
    /// </summary>
    public static (float[] Pixels, bool[] Kept, List<string> Skipped) PrepareFiles(IReadOnlyList<string> files, PreprocessingSpec spec)
    {
        int length = spec.TensorLength;
        var pixels = new float[files.Count * (long)length];
        var ok = new bool[files.Count];
        var skipped = new ConcurrentBag<(int Index, string Reason)>();
        // Decoding dominates; each worker owns its preprocessor and writes a disjoint slice.
        Parallel.For(0, files.Count, () => new ImagePreprocessor(spec), (i, _, preprocessor) =>
        {
            try
            {
                preprocessor.PrepareFile(files[i], pixels.AsSpan(i * length, length));
                ok[i] = true;
            }
            catch (InvalidDataException e)
            {
                skipped.Add((i, e.Message));
            }
            return preprocessor;
        }, preprocessor => preprocessor.Dispose());

        List<string> reasons = skipped.OrderBy(s => s.Index).Select(s => s.Reason).ToList();
        int kept = ok.Count(k => k);
        if (kept == files.Count) return (pixels, ok, reasons);
        var compact = new float[kept * (long)length];
        for (int i = 0, j = 0; i < files.Count; i++)
        {
            if (ok[i]) pixels.AsSpan(i * length, length).CopyTo(compact.AsSpan(j++ * length, length));
        }
        return (compact, ok, reasons);
    }

    private static string[] ImageFiles(string folder) =>
        Directory.GetFiles(folder)
            .Where(ImagePreprocessor.IsImageFile)
            .Order(StringComparer.Ordinal)
            .ToArray();
}
