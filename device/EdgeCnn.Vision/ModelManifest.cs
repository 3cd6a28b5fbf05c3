using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeCnn.Vision;

/// <summary>
/// The JSON file that travels beside every exported model (<c>models/NAME.json</c> next to <c>NAME.onnx</c>):
/// what the outputs mean, how to prepare pixels for it, and how it was made. The trainer writes it and the device
/// reads it with this one type, so the two sides cannot disagree on a field.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The manifest format this code reads and writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Format version of this file.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Class names, in output index order.</summary>
    public string[] Labels { get; init; } = [];

    /// <summary>How frames become the input tensor.</summary>
    public PreprocessingSpec Preprocessing { get; init; } = new();

    /// <summary>Whether the output holds logits or probabilities.</summary>
    public OutputKind Output { get; init; } = OutputKind.Logits;

    /// <summary>Name of the ONNX graph input.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Name of the ONNX graph output.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>Architecture name (a preset or the architecture file's name).</summary>
    public string Architecture { get; init; } = "";

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount { get; init; }

    /// <summary>Training metrics worth knowing on the device, such as <c>testAccuracy</c>.</summary>
    public Dictionary<string, double> Metrics { get; init; } = [];

    /// <summary>Lower-case hex SHA-256 of the .onnx file this manifest describes.</summary>
    public string ModelSha256 { get; init; } = "";

    /// <summary>
    /// <c>fp32</c>, or <c>int8</c> for a model that <c>edgecnn-train quantize</c> wrote from an fp32 one (weights and
    /// activations in 8-bit integers, input and output still float).
    /// </summary>
    public string Precision { get; init; } = Fp32;

    /// <summary>For an int8 model: the SHA-256 of the fp32 model it was quantized from; null otherwise.</summary>
    public string? Fp32ModelSha256 { get; init; }

    /// <summary>The <see cref="Precision"/> of a float model.</summary>
    public const string Fp32 = "fp32";

    /// <summary>The <see cref="Precision"/> of a quantized model.</summary>
    public const string Int8 = "int8";

    /// <summary>The ONNX opset the model was exported with.</summary>
    public int Opset { get; init; }

    /// <summary>Version of the trainer that wrote the model.</summary>
    public string TrainerVersion { get; init; } = "";

    /// <summary>
    /// The label that means "nothing of interest" (the empty scene), or null when the model has no such class.
    /// No rule may watch it, and the device shows it as <see cref="NothingName"/>.
    /// </summary>
    public string? BackgroundLabel { get; init; }

    /// <summary>The calibrated confidence below which a frame is unknown, or null for a model without one.</summary>
    public OpenSetThreshold? OpenSet { get; init; }

    /// <summary>The model's class activation maps (a second output and the weights to combine it), or null.</summary>
    public ClassActivationMapSpec? Cam { get; init; }

    /// <summary>What the device shows for a frame of the background class.</summary>
    public const string NothingName = "nothing";

    /// <summary>What the device shows for a frame below the open-set threshold.</summary>
    public const string UnknownName = "unknown";

    /// <summary>Index of <see cref="BackgroundLabel"/> in <see cref="Labels"/>, or -1.</summary>
    public int BackgroundIndex => BackgroundLabel is null ? -1 : Array.IndexOf(Labels, BackgroundLabel);

    /// <summary>The open-set threshold, 0 (never unknown) for a model without one.</summary>
    public float UnknownBelow => OpenSet?.Threshold ?? 0f;

    /// <summary>
    /// What a frame shows, in words: the class label, <see cref="NothingName"/> for the background class, or
    /// <see cref="UnknownName"/> below the open-set threshold. Returns existing strings: it allocates nothing.
    /// </summary>
    public string Describe(Classification top)
    {
        if (top.ClassIndex == BackgroundIndex) return NothingName;
        if (float.IsNaN(top.Probability) || OpenSet?.Rejects(top.Probability) == true) return UnknownName;
        return Labels[top.ClassIndex];
    }

    /// <summary>Whether a frame is an object of interest: neither background nor below the open-set threshold.</summary>
    public bool IsObject(Classification top) => top.ClassIndex != BackgroundIndex && !float.IsNaN(top.Probability) && OpenSet?.Rejects(top.Probability) != true;

    /// <summary>Reads and validates a manifest; errors name the file and the field.</summary>
    public static ModelManifest Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: model manifest not found; export the model with 'edgecnn-train export', which writes NAME.json beside NAME.onnx.", path);
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), VisionJson.Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid manifest: {e.Message}", e);
        }
        if (manifest is null) throw new InvalidDataException($"{path}: the manifest is empty (null).");
        manifest.Validate(path);
        return manifest;
    }

    /// <summary>Validates, then writes the manifest as indented JSON.</summary>
    public void Save(string path)
    {
        Validate(path);
        File.WriteAllText(path, JsonSerializer.Serialize(this, VisionJson.Options));
    }

    /// <summary>
    /// Why <paramref name="label"/> cannot be a class name, or null. A control character (a newline in a training
    /// folder's name) would travel into every log line, journal entry and systemd notification that names the
    /// class, where a newline starts a forged record.
    /// </summary>
    public static string? LabelProblem(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        foreach (char c in label)
        {
            if (char.IsControl(c))
                return $"'{string.Concat(label.Select(ch => char.IsControl(ch) ? $"\\u{(int)ch:x4}" : ch.ToString()))}' holds a control character; a class name must be printable: rename its folder and train again.";
        }
        return null;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and the bad field.</summary>
    public void Validate(string source)
    {
        if (FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException($"{source}: formatVersion is {FormatVersion}; this EdgeCnn reads version {CurrentFormatVersion}. Re-export the model with a matching trainer.");
        if (Labels is null || Labels.Length < 2)
            throw new InvalidDataException($"{source}: labels must list at least two class names, in output order.");
        for (int i = 0; i < Labels.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(Labels[i]))
                throw new InvalidDataException($"{source}: labels[{i}] is empty; every output needs a class name.");
            if (LabelProblem(Labels[i]) is string problem) throw new InvalidDataException($"{source}: labels[{i}] {problem}");
        }
        if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Length)
            throw new InvalidDataException($"{source}: labels contains a duplicate name; class names must be unique.");
        if (Preprocessing is null) throw new InvalidDataException($"{source}: preprocessing is missing.");
        Preprocessing.Validate(source);
        if (string.IsNullOrWhiteSpace(InputName)) throw new InvalidDataException($"{source}: inputName is empty.");
        if (string.IsNullOrWhiteSpace(OutputName)) throw new InvalidDataException($"{source}: outputName is empty.");
        if (BackgroundLabel is not null && !Labels.Contains(BackgroundLabel))
            throw new InvalidDataException($"{source}: backgroundLabel '{BackgroundLabel}' is not one of the labels ({string.Join(", ", Labels)}).");
        OpenSet?.Validate(source);
        Cam?.Validate(source, Labels.Length);
        if (ModelSha256.Length != 0 && (ModelSha256.Length != 64 || !ModelSha256.All(Uri.IsHexDigit)))
            throw new InvalidDataException($"{source}: modelSha256 must be 64 hex digits (the SHA-256 of the .onnx file).");
        if (Precision is not (Fp32 or Int8))
            throw new InvalidDataException($"{source}: precision is '{Precision}'; it must be {Fp32} or {Int8}.");
        if (Precision == Int8 && (Fp32ModelSha256 is not { Length: 64 } || !Fp32ModelSha256.All(Uri.IsHexDigit)))
            throw new InvalidDataException($"{source}: an int8 model's manifest needs fp32ModelSha256, the SHA-256 of the fp32 model it was quantized from (64 hex digits); re-run 'edgecnn-train quantize'.");
    }

    /// <summary>
    /// Checks that <paramref name="modelPath"/> is the exact file this manifest was written for.
    /// </summary>
    /// <exception cref="InvalidDataException">The hash is missing from the manifest or does not match the file.</exception>
    public void VerifyModelFile(string modelPath) => VerifyModel(modelPath, File.ReadAllBytes(modelPath));

    /// <summary>
    /// Checks that <paramref name="model"/>, the bytes read from <paramref name="modelPath"/>, are the model this
    /// manifest describes. Whoever loads the model should load these same bytes: a file replaced after it was hashed
    /// would otherwise be loaded unverified.
    /// </summary>
    public void VerifyModel(string modelPath, ReadOnlySpan<byte> model)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (ModelSha256.Length == 0)
            throw new InvalidDataException($"{modelPath}: its manifest has no modelSha256, so the model cannot be verified; re-export it.");
        string actual = Convert.ToHexStringLower(SHA256.HashData(model));
        if (!string.Equals(actual, ModelSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{modelPath}: SHA-256 is {actual} but the manifest's modelSha256 is {ModelSha256}; the model was changed or replaced without its manifest. Copy the matching .json with it, or re-export.");
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string ComputeSha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
