using System.Text.Json.Serialization;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>
/// One layer of the architecture vocabulary. Presets and user architecture files are both written in it, and it
/// is exactly the set of layers the ONNX exporter supports.
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
}

/// <summary>2-D convolution. <c>groups</c> equal to the input channels makes it depthwise.</summary>
internal sealed record ConvLayer : LayerSpec
{
    [JsonConverter(typeof(WidthConverter))]
    public int Filters { get; init; }
    public int Kernel { get; init; } = 3;
    public int Stride { get; init; } = 1;
    /// <summary>"same" (kernel/2 on each side, odd kernels only), "valid" (none) or a number of pixels.</summary>
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string Padding { get; init; } = "same";
    public int Groups { get; init; } = 1;
    public bool Bias { get; init; } = true;
}

internal sealed record BatchNormLayer : LayerSpec;

internal sealed record ReluLayer : LayerSpec;

internal sealed record TanhLayer : LayerSpec;

internal sealed record SigmoidLayer : LayerSpec;

internal sealed record MaxPoolLayer : LayerSpec
{
    public int Size { get; init; } = 2;
    /// <summary>Defaults to <see cref="Size"/>.</summary>
    public int? Stride { get; init; }
    /// <summary>Pixels added on each side (never the maximum): 1 with size 3 and stride 1 keeps the map's size.</summary>
    public int Padding { get; init; }
}

internal sealed record AvgPoolLayer : LayerSpec
{
    public int Size { get; init; } = 2;
    /// <summary>Defaults to <see cref="Size"/>.</summary>
    public int? Stride { get; init; }
}

internal sealed record GlobalAvgPoolLayer : LayerSpec;

internal sealed record FlattenLayer : LayerSpec;

internal sealed record DenseLayer : LayerSpec
{
    [JsonConverter(typeof(WidthConverter))]
    public int Units { get; init; }
    public bool Bias { get; init; } = true;
}

/// <summary>Dropout during training; it disappears at inference and in the exported model.</summary>
internal sealed record DropoutLayer : LayerSpec
{
    public double Rate { get; init; } = 0.5;
}

/// <summary>
/// A basic residual block: conv3x3(stride)-BN-ReLU-conv3x3-BN plus a shortcut (identity, or conv1x1(stride)-BN
/// when the shape changes), added, then ReLU.
/// </summary>
internal sealed record ResidualLayer : LayerSpec
{
    public int Filters { get; init; }
    public int Stride { get; init; } = 1;
}

/// <summary>
/// Parallel paths from the same input, their outputs concatenated along the channels: GoogLeNet's Inception module
/// (1x1, 3x3 and 5x5 convolutions and a 3x3 pooling side by side, with 1x1 reductions in front of the big ones).
/// Every path must keep the same height and width.
/// </summary>
internal sealed record BranchesLayer : LayerSpec
{
    /// <summary>The paths, each a list of layers; an empty path passes the input through.</summary>
    public LayerSpec[][] Paths { get; init; } = [];
}
