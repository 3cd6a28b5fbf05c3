using EdgeCnn.Vision;

namespace EdgeCnn.Device.Configuration;

/// <summary>Which twin of a model runs: the fp32 model or its int8 twin (see <c>Loop/PrecisionChoice</c>).</summary>
public enum ModelPrecision
{
    /// <summary>The faster one on this CPU, timed at start.</summary>
    Auto,

    /// <summary>The fp32 model, NAME.onnx.</summary>
    Fp32,

    /// <summary>The int8 twin, NAME-int8.onnx.</summary>
    Int8,
}

/// <summary>Which model the device runs and how ONNX Runtime runs it (section <c>Model</c>).</summary>
public sealed class ModelOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Model";

    /// <summary>The exported model (NAME.onnx); its manifest NAME.json must lie beside it. Relative to the working directory.</summary>
    public string Path { get; set; } = "";

    /// <summary>
    /// Which twin runs: <c>auto</c> times the fp32 model and its int8 twin (NAME-int8.onnx beside it) at start and keeps
    /// the faster on this CPU; <c>fp32</c> and <c>int8</c> force one. Path may name either twin.
    /// </summary>
    public ModelPrecision Precision { get; set; } = ModelPrecision.Auto;

    /// <summary>ONNX Runtime threads for one inference; 2 leaves a Pi 4/5 two cores for capture and decoding.</summary>
    public int IntraOpThreads { get; set; } = 2;

    /// <summary>Whether idle ONNX Runtime threads spin. Off: spinning burns the cores the camera needs.</summary>
    public bool AllowSpinning { get; set; }

    /// <summary>
    /// Watch the model file and its manifest and swap in a replaced model between frames, after checking it; a model
    /// that fails a check is refused and the running one stays.
    /// </summary>
    public bool HotReload { get; set; } = true;

    /// <summary>The model path made absolute, for messages and for opening.</summary>
    public string FullPath => System.IO.Path.GetFullPath(Path);

    /// <summary>These options with another model path (the twin chosen), for opening and watching it.</summary>
    public ModelOptions WithPath(string path) => new()
    {
        Path = path, Precision = Precision, IntraOpThreads = IntraOpThreads, AllowSpinning = AllowSpinning, HotReload = HotReload,
    };

    /// <summary>What <see cref="OnnxClassifier"/> needs.</summary>
    public ClassifierOptions ToClassifierOptions() => new() { IntraOpThreads = IntraOpThreads, AllowSpinning = AllowSpinning };

    /// <summary>Checks the values; errors name the key and say how to fix it.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
            throw new ArgumentException($"{Section}:Path is empty; set it to an exported model, e.g. models/fashion-mnist.onnx.");
        if (!File.Exists(Path))
            throw new ArgumentException($"{Section}:Path: {FullPath} does not exist; export one with 'edgecnn-train export RUN -o {Path}' or fix the path.");
        if (IntraOpThreads is < 1 or > 64)
            throw new ArgumentException($"{Section}:IntraOpThreads is {IntraOpThreads}; use 1 to 64 (2 suits a Raspberry Pi).");
    }
}
