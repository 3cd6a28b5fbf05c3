using EdgeCnn.Vision.Onnx;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// Classifies frames with an exported model and its manifest: the manifest's preprocessing through
/// <see cref="ImagePreprocessor"/>, one ONNX Runtime session, and input and output buffers bound once, so that
/// classifying a frame allocates nothing.
/// </summary>
/// <remarks>Not thread-safe: one instance per frame loop.</remarks>
public sealed class OnnxClassifier : IDisposable
{
    private readonly InferenceSession _session;
    // Made on first use: OpenCV's native library is only needed for frames, not for raw tensors.
    private ImagePreprocessor? _preprocessor;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly float[] _probabilities;
    private readonly float[] _features = [];
    private readonly OrtValue? _featuresValue;

    private OnnxClassifier(string modelPath, byte[] model, ModelManifest manifest, ClassifierOptions options)
    {
        Manifest = manifest;
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        sessionOptions.WithExactInt8();
        try
        {
            _session = new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{modelPath}: ONNX Runtime cannot load this model ({e.Message}).", e);
        }
        try
        {
            CheckShapes(modelPath);
            PreprocessingSpec p = manifest.Preprocessing;
            _input = new float[p.TensorLength];
            _output = new float[manifest.Labels.Length];
            _probabilities = new float[manifest.Labels.Length];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, p.Channels, p.Height, p.Width]);
            _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [1, manifest.Labels.Length]);
            _binding = _session.CreateIoBinding();
            _binding.BindInput(manifest.InputName, _inputValue);
            _binding.BindOutput(manifest.OutputName, _outputValue);
            if (manifest.Cam is ClassActivationMapSpec cam)
            {
                // Bound once like the logits: every inference fills the feature maps, which cost nothing more to keep.
                _features = new float[cam.Channels * cam.Height * cam.Width];
                _featuresValue = OrtValue.CreateTensorValueFromMemory(_features, [1, cam.Channels, cam.Height, cam.Width]);
                _binding.BindOutput(cam.Output, _featuresValue);
            }
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The manifest the model was opened with.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>The input tensor of the last prepared frame (CHW floats), e.g. to run it through another runtime.</summary>
    public ReadOnlySpan<float> PreparedInput => _input;

    /// <summary>The probabilities of every class for the last classified frame, in label order.</summary>
    public ReadOnlySpan<float> Probabilities => _probabilities;

    /// <summary>Whether the model has class activation maps (<see cref="ModelManifest.Cam"/>).</summary>
    public bool HasClassActivationMaps => Manifest.Cam is not null;

    /// <summary>
    /// The class activation map of <paramref name="classIndex"/> for the last classified frame into
    /// <paramref name="map"/> (height × width of the feature maps, row by row): Σₖ w[c,k]·Aₖ, not normalised.
    /// </summary>
    public void ClassActivationMap(int classIndex, Span<float> map)
    {
        ClassActivationMapSpec cam = Manifest.Cam ?? throw new InvalidOperationException("this model has no class activation maps; export it with --cam.");
        int plane = cam.Height * cam.Width;
        if (map.Length != plane) throw new ArgumentException($"the map holds {map.Length} values; the feature maps are {cam.Width}x{cam.Height}.", nameof(map));
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classIndex, Manifest.Labels.Length);
        map.Clear();
        ReadOnlySpan<float> weights = cam.Weights.AsSpan(classIndex * cam.Channels, cam.Channels);
        for (int k = 0; k < cam.Channels; k++)
        {
            float w = weights[k];
            ReadOnlySpan<float> feature = _features.AsSpan(k * plane, plane);
            for (int i = 0; i < plane; i++) map[i] += w * feature[i];
        }
    }

    /// <summary>
    /// Opens <paramref name="modelPath"/> with the manifest beside it (NAME.json), refusing a model whose manifest is
    /// missing, whose SHA-256 differs, or whose input or output shape disagrees with the manifest.
    /// </summary>
    public static OnnxClassifier Open(string modelPath, ClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"{modelPath}: model not found.", modelPath);
        ModelManifest manifest = ModelManifest.Load(Path.ChangeExtension(modelPath, ".json"));
        // Read once: the bytes that were hashed are the bytes that are loaded, even if the file is replaced meanwhile.
        byte[] model = File.ReadAllBytes(modelPath);
        manifest.VerifyModel(modelPath, model);
        return new OnnxClassifier(modelPath, model, manifest, options ?? new ClassifierOptions());
    }

    /// <summary>Prepares <paramref name="frame"/> (8-bit gray, BGR or BGRA) and classifies it.</summary>
    public Classification Classify(Mat frame)
    {
        Prepare(frame);
        return Infer();
    }

    /// <summary>
    /// The first half of <see cref="Classify"/>: turns <paramref name="frame"/> into the model's input tensor. Split
    /// out so that the device can time preprocessing and inference separately.
    /// </summary>
    public void Prepare(Mat frame) => (_preprocessor ??= new ImagePreprocessor(Manifest.Preprocessing)).Prepare(frame, _input);

    /// <summary>The second half of <see cref="Classify"/>: runs the model on the prepared input.</summary>
    public Classification Infer() => Run();

    /// <summary>Classifies an already prepared input tensor of <see cref="PreprocessingSpec.TensorLength"/> floats.</summary>
    public Classification ClassifyPrepared(ReadOnlySpan<float> input)
    {
        input.CopyTo(_input);
        return Run();
    }

    private Classification Run()
    {
        _session.RunWithBinding(_runOptions, _binding);
        if (Manifest.Output == OutputKind.Probabilities)
        {
            _output.AsSpan().CopyTo(_probabilities);
        }
        else
        {
            float max = float.NegativeInfinity;
            foreach (float v in _output) max = Math.Max(max, v);
            float sum = 0;
            for (int i = 0; i < _output.Length; i++) sum += _probabilities[i] = MathF.Exp(_output[i] - max);
            for (int i = 0; i < _probabilities.Length; i++) _probabilities[i] /= sum;
        }
        return Classification.Top(_probabilities);
    }

    private void CheckShapes(string modelPath)
    {
        PreprocessingSpec p = Manifest.Preprocessing;
        if (!_session.InputMetadata.TryGetValue(Manifest.InputName, out NodeMetadata? input))
            throw new InvalidDataException($"{modelPath}: the manifest's inputName '{Manifest.InputName}' is not an input of the model (it has: {string.Join(", ", _session.InputMetadata.Keys)}).");
        int[] dims = input.Dimensions;
        if (dims.Length != 4 || dims[1] != p.Channels || dims[2] != p.Height || dims[3] != p.Width)
            throw new InvalidDataException($"{modelPath}: the model's input shape is [{string.Join(", ", dims)}] but the manifest's preprocessing says channels {p.Channels}, height {p.Height}, width {p.Width}; the manifest belongs to another model.");
        if (!_session.OutputMetadata.TryGetValue(Manifest.OutputName, out NodeMetadata? output))
            throw new InvalidDataException($"{modelPath}: the manifest's outputName '{Manifest.OutputName}' is not an output of the model.");
        if (output.Dimensions[^1] != Manifest.Labels.Length)
            throw new InvalidDataException($"{modelPath}: the model has {output.Dimensions[^1]} outputs but the manifest's labels list {Manifest.Labels.Length} classes.");
        if (Manifest.Cam is ClassActivationMapSpec cam && (!_session.OutputMetadata.TryGetValue(cam.Output, out NodeMetadata? features)
                || features.Dimensions.Length != 4 || features.Dimensions[1] != cam.Channels || features.Dimensions[2] != cam.Height || features.Dimensions[3] != cam.Width))
            throw new InvalidDataException($"{modelPath}: the manifest's cam describes an output '{cam.Output}' of {cam.Channels}x{cam.Height}x{cam.Width} feature maps that the model does not have; the manifest belongs to another model.");
    }

    /// <summary>Releases the session, the bound buffers and the preprocessor's scratch images.</summary>
    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _featuresValue?.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _preprocessor?.Dispose();
    }
}
