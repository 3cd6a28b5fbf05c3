using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Data;

/// <summary>
/// Turns the <c>--data</c> argument into prepared train, validation and (when the dataset has one) test sets.
/// </summary>
/// <remarks>
/// Accepted: <c>fashion-mnist</c> (Debian's dataset-fashion-mnist package); a folder of IDX files
/// (<c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>, optional <c>t10k-*</c> test files
/// and <c>classes.txt</c>); an image folder <c>root/&lt;class&gt;/*</c>; or <c>root/train/&lt;class&gt;</c> with
/// <c>root/val/&lt;class&gt;</c> and optionally <c>root/test/&lt;class&gt;</c>.
/// </remarks>
internal static class DatasetLoader
{
    public const string FashionMnistName = "fashion-mnist";
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    private static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The kind of data behind a <c>--data</c> argument.</summary>
    public enum Kind { Idx, ImageFolder, SplitImageFolder }

    /// <summary>The native input size of a dataset, used when neither the user nor the architecture sets one.</summary>
    public static InputShape NativeInput(string data)
    {
        (Kind kind, string root) = Resolve(data);
        if (kind != Kind.Idx) return new InputShape(3, 32, 32);
        int[] dims = IdxFile.ReadDimensions(FindIdx(root, "train-images-idx3-ubyte", required: true)!);
        if (dims.Length != 3) throw new InvalidDataException($"{root}: train-images must have 3 dimensions (count, rows, columns), not {dims.Length}.");
        return new InputShape(1, dims[1], dims[2]);
    }

    /// <summary>Whether <paramref name="data"/> names an IDX dataset ('fashion-mnist', or a folder of IDX files).</summary>
    public static bool IsIdx(string data) =>
        IsFashionMnist(data) || (Directory.Exists(data) && FindIdx(data, "train-images-idx3-ubyte", required: false) is not null)
        || (Directory.Exists(data) && FindIdx(data, "t10k-images-idx3-ubyte", required: false) is not null);

    public static (Kind Kind, string Root) Resolve(string data)
    {
        if (IsFashionMnist(data))
        {
            if (FindIdx(FashionMnistFolder, "train-images-idx3-ubyte", required: false) is null)
                throw new DirectoryNotFoundException($"--data {FashionMnistName}: {FashionMnistFolder} has no Fashion-MNIST files; install them with 'sudo apt-get install dataset-fashion-mnist'.");
            return (Kind.Idx, FashionMnistFolder);
        }
        if (!Directory.Exists(data))
            throw new DirectoryNotFoundException($"--data {data}: folder not found. Give an image folder (root/<class>/*.png), a folder of IDX files, or '{FashionMnistName}'.");
        if (FindIdx(data, "train-images-idx3-ubyte", required: false) is not null) return (Kind.Idx, data);
        if (Directory.Exists(Path.Combine(data, "train")) && Directory.Exists(Path.Combine(data, "val")))
            return (Kind.SplitImageFolder, data);
        return (Kind.ImageFolder, data);
    }

    public static LoadedData Load(string data, PreprocessingSpec spec, double validationFraction, int seed)
    {
        (Kind kind, string root) = Resolve(data);
        return kind switch
        {
            Kind.Idx => LoadIdx(root, spec, validationFraction, seed, IsFashionMnist(root)),
            Kind.SplitImageFolder => LoadSplitFolder(root, spec),
            _ => LoadFolder(root, spec, validationFraction, seed),
        };
    }

    /// <summary>
    /// Whether <paramref name="data"/> is Debian's Fashion-MNIST, whose IDX files carry no class names: the name
    /// 'fashion-mnist' (any case) or its folder, however the path is written (relative, trailing slash, a symlink).
    /// The one check both resolving --data and naming the classes use.
    /// </summary>
    private static bool IsFashionMnist(string data)
    {
        if (string.Equals(data, FashionMnistName, StringComparison.OrdinalIgnoreCase)) return true;
        if (!Directory.Exists(data) || !Directory.Exists(FashionMnistFolder)) return false;
        static string Real(string path) => Path.TrimEndingDirectorySeparator(new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path));
        return Real(data) == Real(FashionMnistFolder);
    }

    private static LoadedData LoadIdx(string root, PreprocessingSpec spec, double validationFraction, int seed, bool fashion)
    {
        string[]? classes = fashion ? FashionMnistClasses : ReadClassesFile(root);
        ImageSet train = ReadIdxPair(root, "train", spec, ref classes);
        ImageSet? test = FindIdx(root, "t10k-images-idx3-ubyte", required: false) is null ? null : ReadIdxPair(root, "t10k", spec, ref classes);
        (ImageSet fit, ImageSet validation) = train.Split(validationFraction, seed);
        string name = fashion ? "Fashion-MNIST" : "IDX";
        return new LoadedData(fit, validation, test,
            $"{name} ({root}): {fit.Count} train, {validation.Count} validation (a {validationFraction:P0} split of train), {test?.Count ?? 0} test",
            0, []);
    }

    private static ImageSet ReadIdxPair(string root, string prefix, PreprocessingSpec spec, ref string[]? classes)
    {
        string imagesPath = FindIdx(root, $"{prefix}-images-idx3-ubyte", required: true)!;
        string labelsPath = FindIdx(root, $"{prefix}-labels-idx1-ubyte", required: true)!;
        IdxFile.Content images = IdxFile.Read(imagesPath);
        IdxFile.Content labels = IdxFile.Read(labelsPath);
        if (images.Dimensions.Length != 3)
            throw new InvalidDataException($"{imagesPath}: expected 3 dimensions (count, rows, columns), found {images.Dimensions.Length}.");
        if (labels.Dimensions.Length != 1 || labels.Dimensions[0] != images.Dimensions[0])
            throw new InvalidDataException($"{labelsPath}: holds {labels.Dimensions[0]} labels for {images.Dimensions[0]} images in {imagesPath}.");

        int count = images.Dimensions[0], rows = images.Dimensions[1], columns = images.Dimensions[2];
        int classCount = labels.Data.Max() + 1;
        classes ??= Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (classCount > classes.Length)
            throw new InvalidDataException($"{labelsPath}: label {classCount - 1} has no class name ({classes.Length} names known).");
        if (classes.Length < 2)
            throw new InvalidDataException($"{labelsPath}: only one class; a classifier needs at least two.");

        int length = spec.TensorLength, imageBytes = rows * columns;
        var pixels = new float[count * (long)length];
        byte[] data = images.Data;
        string[] names = classes;
        Parallel.For(0, count, () => new ImagePreprocessor(spec), (i, _, preprocessor) =>
        {
            unsafe
            {
                fixed (byte* image = &data[i * imageBytes])
                {
                    // IDX images go through the same preprocessing as files and camera frames.
                    using Mat gray = Mat.FromPixelData(rows, columns, MatType.CV_8UC1, (IntPtr)image);
                    preprocessor.Prepare(gray, pixels.AsSpan(i * length, length));
                }
            }
            return preprocessor;
        }, preprocessor => preprocessor.Dispose());
        return new ImageSet(pixels, labels.Data.Select(b => (long)b).ToArray(), names, spec);
    }

    private static LoadedData LoadFolder(string root, PreprocessingSpec spec, double validationFraction, int seed)
    {
        string[] classes = ImageFolder.DiscoverClasses(root);
        (ImageSet all, List<string> skipped) = ImageFolder.Load(root, classes, spec);
        EnsureEveryClassPresent(all, root);
        (ImageSet train, ImageSet validation) = all.Split(validationFraction, seed);
        return new LoadedData(train, validation, null,
            $"image folder {root}: {classes.Length} classes, {train.Count} train, {validation.Count} validation (a {validationFraction:P0} split)",
            skipped.Count, skipped.Take(5).ToList());
    }

    private static LoadedData LoadSplitFolder(string root, PreprocessingSpec spec)
    {
        string trainRoot = Path.Combine(root, "train");
        string[] classes = ImageFolder.DiscoverClasses(trainRoot);
        (ImageSet train, List<string> skipped) = ImageFolder.Load(trainRoot, classes, spec);
        EnsureEveryClassPresent(train, trainRoot);
        (ImageSet validation, List<string> skippedVal) = ImageFolder.Load(Path.Combine(root, "val"), classes, spec);
        skipped.AddRange(skippedVal);
        ImageSet? test = null;
        if (Directory.Exists(Path.Combine(root, "test")))
        {
            (test, List<string> skippedTest) = ImageFolder.Load(Path.Combine(root, "test"), classes, spec);
            skipped.AddRange(skippedTest);
        }
        if (validation.Count == 0) throw new InvalidDataException($"{Path.Combine(root, "val")}: no readable images.");
        return new LoadedData(train, validation, test,
            $"image folder {root}: {classes.Length} classes, {train.Count} train, {validation.Count} validation, {test?.Count ?? 0} test",
            skipped.Count, skipped.Take(5).ToList());
    }

    private static void EnsureEveryClassPresent(ImageSet set, string root)
    {
        for (int c = 0; c < set.Classes.Count; c++)
        {
            if (!set.Labels.Contains(c))
                throw new InvalidDataException($"{Path.Combine(root, set.Classes[c])}: none of the images in class '{set.Classes[c]}' could be read.");
        }
    }

    /// <summary>
    /// The raw test images (t10k) of an IDX dataset with their labels and class names, for making sample clips:
    /// never the training images.
    /// </summary>
    public static (IdxFile.Content Images, byte[] Labels, string[] Classes) ReadIdxTestSplit(string data)
    {
        (Kind kind, string root) = Resolve(data);
        if (kind != Kind.Idx) throw new InvalidDataException($"{data}: sample clips are made from IDX datasets (fashion-mnist, or a folder with t10k-*-ubyte files).");
        string images = FindIdx(root, "t10k-images-idx3-ubyte", required: false)
            ?? throw new InvalidDataException($"{root}: no test split (t10k-images-idx3-ubyte); a sample clip is only made from test images.");
        IdxFile.Content content = IdxFile.Read(images);
        byte[] labels = IdxFile.Read(FindIdx(root, "t10k-labels-idx1-ubyte", required: true)!).Data;
        if (content.Dimensions.Length != 3 || content.Dimensions[0] != labels.Length)
            throw new InvalidDataException($"{images}: expected [count, rows, cols] images matching {labels.Length} labels, got [{string.Join(", ", content.Dimensions)}].");
        bool fashion = Path.GetFullPath(root) == Path.GetFullPath(FashionMnistFolder);
        string[] classes = (fashion ? FashionMnistClasses : ReadClassesFile(root)) ?? Enumerable.Range(0, labels.Max() + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (content, labels, classes);
    }

    private static string[]? ReadClassesFile(string root)
    {
        string path = Path.Combine(root, "classes.txt");
        return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Trim().Length > 0).Select(l => l.Trim()).ToArray() : null;
    }

    private static string? FindIdx(string root, string stem, bool required)
    {
        foreach (string candidate in new[] { stem, stem + ".gz", stem.Replace("-idx", ".idx", StringComparison.Ordinal), stem.Replace("-idx", ".idx", StringComparison.Ordinal) + ".gz" })
        {
            string path = Path.Combine(root, candidate);
            if (File.Exists(path)) return path;
        }
        return required ? throw new FileNotFoundException($"{root}: {stem} (or {stem}.gz) not found.") : null;
    }
}
