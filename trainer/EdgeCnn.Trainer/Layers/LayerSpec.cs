using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// One layer of the architecture vocabulary. Presets and user architecture files are both written in it, and it
/// is exactly the set of layers the ONNX exporter supports. Each kind is one record in its own file: its JSON
/// fields, its shape check (<see cref="Plan"/>), its TorchSharp module (<see cref="Build"/>) and its ONNX nodes
/// (<see cref="Export"/>). The attributes below are the one registration: a new kind is a file and a line here.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ConvLayer), "conv")]
[JsonDerivedType(typeof(BatchNormLayer), "batchnorm")]
[JsonDerivedType(typeof(ReluLayer), "relu")]
[JsonDerivedType(typeof(TanhLayer), "tanh")]
[JsonDerivedType(typeof(SigmoidLayer), "sigmoid")]
[JsonDerivedType(typeof(MaxPoolLayer), "maxpool")]
[JsonDerivedType(typeof(AvgPoolLayer), "avgpool")]
[JsonDerivedType(typeof(GlobalAvgPoolLayer), "globalavgpool")]
[JsonDerivedType(typeof(FlattenLayer), "flatten")]
[JsonDerivedType(typeof(DenseLayer), "dense")]
[JsonDerivedType(typeof(DropoutLayer), "dropout")]
[JsonDerivedType(typeof(ResidualLayer), "residual")]
[JsonDerivedType(typeof(BranchesLayer), "branches")]
internal abstract record LayerSpec
{
    private static readonly Dictionary<Type, string> Discriminators = typeof(LayerSpec)
        .GetCustomAttributes(typeof(JsonDerivedTypeAttribute), inherit: false).Cast<JsonDerivedTypeAttribute>()
        .ToDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    /// <summary>Every layer type name of the vocabulary, in the order above.</summary>
    public static readonly string[] Types = [.. Discriminators.Values];

    /// <summary>Written as <c>"classes"</c> in JSON: the width is the number of classes in the dataset.</summary>
    public const int ClassCount = -1;

    /// <summary>Optional layer name, used by <c>--freeze</c> and in summaries; defaults to type_N.</summary>
    public string? Name { get; init; }

    /// <summary>The layer's type name, as written in JSON.</summary>
    [JsonIgnore]
    public string Type => Discriminators[GetType()];

    /// <summary>Its part in the stages whose feature maps <c>inspect</c> shows.</summary>
    internal virtual StageRole Stage => StageRole.None;

    /// <summary>This layer with a width of <see cref="ClassCount"/> made <paramref name="classes"/>; itself when it has none.</summary>
    internal virtual LayerSpec WithClasses(int classes) => this;

    /// <summary>
    /// Checks the layer against the shape it receives and works out its output shape, parameters and MACs; a
    /// mistake is thrown as an <see cref="InvalidDataException"/> from <paramref name="site"/>, which names the layer.
    /// </summary>
    internal abstract PlannedLayer Plan(FeatureShape input, LayerSite site);

    /// <summary>The TorchSharp module for <paramref name="step"/>, this layer as planned.</summary>
    internal abstract nn.Module<Tensor, Tensor> Build(PlannedLayer step);

    /// <summary>
    /// Writes the ONNX nodes of <paramref name="step"/>, this layer as planned, reading <paramref name="input"/>.
    /// <paramref name="next"/> is the layer after it in the same list (null at the end), for a layer that folds
    /// its successor into its own nodes.
    /// </summary>
    internal abstract ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input);
}
