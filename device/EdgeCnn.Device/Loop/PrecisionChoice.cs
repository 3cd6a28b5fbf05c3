using System.Diagnostics;
using System.Runtime.Intrinsics.Arm;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Vision;
using EdgeCnn.Vision.Onnx;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// Which twin of a model runs here (<c>Model:Precision</c>): the fp32 model <c>NAME.onnx</c> or its int8 twin
/// <c>NAME-int8.onnx</c> (<c>edgecnn-train quantize</c>). ONNX Runtime's integer kernels pay on CPUs with dot-product
/// instructions (a Pi 5's Cortex-A76, x64 with VNNI) and can be slower than fp32 without them (a Pi 4's Cortex-A72),
/// so <c>auto</c> times both on this CPU for a moment at start and keeps the faster; <c>fp32</c> and <c>int8</c> force one.
/// </summary>
/// <param name="Path">The model to run.</param>
/// <param name="Precision">Its precision: fp32 or int8.</param>
/// <param name="Why">Why, in words for the log, <c>check</c> and <c>/status</c>.</param>
/// <param name="Fp32Milliseconds">The fp32 twin's inference time here (median), when timed.</param>
/// <param name="Int8Milliseconds">The int8 twin's, when timed.</param>
public sealed record PrecisionChoice(string Path, string Precision, string Why, double? Fp32Milliseconds = null, double? Int8Milliseconds = null)
{
    private const string Int8Suffix = "-int8";

    /// <summary>The twins of <paramref name="path"/>: (fp32, int8), whichever is named.</summary>
    public static (string Fp32, string Int8) Twins(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string folder = System.IO.Path.GetDirectoryName(path) ?? "";
        string name = System.IO.Path.GetFileNameWithoutExtension(path);
        string fp32 = name.EndsWith(Int8Suffix, StringComparison.Ordinal) ? name[..^Int8Suffix.Length] : name;
        return (System.IO.Path.Combine(folder, fp32 + ".onnx"), System.IO.Path.Combine(folder, fp32 + Int8Suffix + ".onnx"));
    }

    /// <summary>Whether this CPU has the dot-product instructions int8 kernels use: the first hint, logged with the timing.</summary>
    public static string DotProductHint =>
        Dp.Arm64.IsSupported || Dp.IsSupported ? "this CPU has Arm's dot-product instructions"
        : ExactInt8.X64Vnni ? "this CPU has x86 VNNI"
        : "no dot-product instructions that .NET reports here (the timing decides)";

    /// <summary>
    /// Chooses for <paramref name="options"/>; a forced twin that is missing is a configuration error naming the file
    /// and how to make it.
    /// </summary>
    public static PrecisionChoice Choose(ModelOptions options, TimeSpan? timing = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        (string fp32, string int8) = Twins(options.Path);
        bool hasFp32 = File.Exists(fp32), hasInt8 = File.Exists(int8) && File.Exists(System.IO.Path.ChangeExtension(int8, ".json"));
        switch (options.Precision)
        {
            case ModelPrecision.Fp32:
                if (!hasFp32) throw new ConfigurationException($"{ModelOptions.Section}:Precision is fp32 but {System.IO.Path.GetFullPath(fp32)} does not exist; set Model:Precision to int8 or auto, or export the fp32 model there.");
                return new PrecisionChoice(fp32, "fp32", "Model:Precision is fp32");
            case ModelPrecision.Int8:
                if (!hasInt8) throw new ConfigurationException($"{ModelOptions.Section}:Precision is int8 but {System.IO.Path.GetFullPath(int8)} (with its manifest) does not exist; make it with 'edgecnn-train quantize {fp32}'.");
                return new PrecisionChoice(int8, "int8", "Model:Precision is int8");
        }
        if (!hasFp32 || !hasInt8)
        {
            string only = hasFp32 ? fp32 : int8;
            return new PrecisionChoice(only, hasFp32 ? "fp32" : "int8", $"auto: only the {(hasFp32 ? "fp32" : "int8")} twin is here");
        }
        // An int8 twin left over from an earlier model (the fp32 one exported again in place) is not this model's.
        if (Stale(fp32, int8) is string stale) return new PrecisionChoice(fp32, "fp32", $"auto: {stale}");
        double fp32Ms = Time(fp32, options, timing ?? TimeSpan.FromMilliseconds(150));
        double int8Ms;
        try
        {
            int8Ms = Time(int8, options, timing ?? TimeSpan.FromMilliseconds(150));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The configured model works; a twin that does not must not keep the device from starting.
            return new PrecisionChoice(fp32, "fp32", $"auto: the int8 twin {System.IO.Path.GetFileName(int8)} cannot be run ({e.Message}); running fp32", fp32Ms);
        }
        bool useInt8 = int8Ms < fp32Ms;
        string why = $"auto: int8 {int8Ms:0.000} ms, fp32 {fp32Ms:0.000} ms per inference here; {DotProductHint}";
        return new PrecisionChoice(useInt8 ? int8 : fp32, useInt8 ? "int8" : "fp32", why, fp32Ms, int8Ms);
    }

    // Why the int8 twin was not made from this fp32 model, or null when it was.
    private static string? Stale(string fp32, string int8)
    {
        try
        {
            string made = ModelManifest.Load(System.IO.Path.ChangeExtension(int8, ".json")).Fp32ModelSha256 ?? "";
            string model = ModelManifest.Load(System.IO.Path.ChangeExtension(fp32, ".json")).ModelSha256;
            return made == model ? null
                : $"the int8 twin {System.IO.Path.GetFileName(int8)} was made from another model (its fp32ModelSha256 is not {System.IO.Path.GetFileName(fp32)}'s); running fp32: make it again with 'edgecnn-train quantize {fp32}'";
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return $"the twins' manifests cannot be compared ({e.Message}); running fp32";
        }
    }

    // The median inference time of the model on a blank input, after a warm-up, for about 'budget'.
    private static double Time(string path, ModelOptions options, TimeSpan budget)
    {
        using OnnxClassifier classifier = OnnxClassifier.Open(path, options.ToClassifierOptions());
        var input = new float[classifier.Manifest.Preprocessing.TensorLength];
        for (int i = 0; i < 5; i++) classifier.ClassifyPrepared(input);
        var times = new List<double>();
        var spent = Stopwatch.StartNew();
        while (spent.Elapsed < budget || times.Count < 10)
        {
            long start = Stopwatch.GetTimestamp();
            classifier.ClassifyPrepared(input);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (times.Count >= 2000) break;
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
