using System.Diagnostics.CodeAnalysis;
using EdgeCnn.Trainer.Layers;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>The built-in architectures, written in the same vocabulary as user architecture files.</summary>
internal static class Presets
{
    private const int Classes = LayerSpec.ClassCount;

    private static readonly Dictionary<string, Func<ArchitectureSpec>> All = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lenet5"] = () => Spec("lenet5", "LeNet-5: two 5x5 conv + average-pool stages, dense 120-84 head.",
            Conv(6, 5), Relu(), new AvgPoolLayer(), Conv(16, 5, padding: "valid"), Relu(), new AvgPoolLayer(),
            new FlattenLayer(), Dense(120), Relu(), Dense(84), Relu(), Dense(Classes)),

        ["convnet-64"] = () => Spec("convnet-64", "One 3x3 conv with 64 filters, then dense 32.",
            Conv(64, 3, padding: "valid"), Relu(), new FlattenLayer(), Dense(32), Relu(), Dense(Classes)),

        ["convnet-64-pool"] = () => Spec("convnet-64-pool", "convnet-64 with 2x2 max pooling after the conv.",
            Conv(64, 3, padding: "valid"), Relu(), new MaxPoolLayer(), new FlattenLayer(), Dense(32), Relu(), Dense(Classes)),

        ["convnet-2x64"] = () => Spec("convnet-2x64", "Two same-padded 64-filter convs, each max-pooled, dense 128.",
            Conv(64, 3), Relu(), new MaxPoolLayer(), Conv(64, 3), Relu(), new MaxPoolLayer(),
            new FlattenLayer(), Dense(128), Relu(), Dense(Classes)),

        ["allconv"] = () => Spec("allconv", "All-convolutional: strided convs instead of pooling, 1x1 conv classifier, global average pooling.",
            Conv(32, 3), Relu(), Conv(32, 3), Relu(), Conv(32, 3, stride: 2), Relu(),
            Conv(64, 3), Relu(), Conv(64, 3, stride: 2), Relu(),
            Conv(64, 1), Relu(), Conv(Classes, 1), new GlobalAvgPoolLayer(), new FlattenLayer()),

        ["vgg-tiny"] = () => Spec("vgg-tiny", "Three VGG stages (2x conv-BN-ReLU + max pool) of 32, 64, 128 filters, dense 128 with dropout.",
            [.. VggStage(32), .. VggStage(64), .. VggStage(128),
             new FlattenLayer(), Dense(128), Relu(), new DropoutLayer { Rate = 0.5 }, Dense(Classes)]),

        ["resnet8"] = () => Spec("resnet8", "ResNet-8: a 16-filter stem and three residual blocks (16, 32, 64 filters), global average pooling.",
            [.. Stem(16), Res(16, 1), Res(32, 2), Res(64, 2), new GlobalAvgPoolLayer(), new FlattenLayer(), Dense(Classes)]),

        ["resnet10"] = () => Spec("resnet10", "ResNet-8 with a fourth residual block of 96 filters at an eighth of the input: a unit sees 49 pixels across (ResNet-8: 25), for 18.5 % more work at 64x64.",
            [.. Stem(16), Res(16, 1), Res(32, 2), Res(64, 2), Res(96, 2), new GlobalAvgPoolLayer(), new FlattenLayer(), Dense(Classes)]),

        ["resnet20"] = () => Spec("resnet20", "ResNet-20 (He et al., CIFAR variant): stem plus 3x3 residual blocks of 16, 32, 64 filters.",
            [.. Stem(16), Res(16, 1), Res(16, 1), Res(16, 1), Res(32, 2), Res(32, 1), Res(32, 1), Res(64, 2), Res(64, 1), Res(64, 1),
             new GlobalAvgPoolLayer(), new FlattenLayer(), Dense(Classes)]),

        ["mobilenet-tiny"] = () => Spec("mobilenet-tiny", "Depthwise-separable blocks (3x3 depthwise + 1x1 pointwise, each with BN) in the MobileNet style.",
            [.. Stem(32), .. Separable(32, 64, 1), .. Separable(64, 128, 2), .. Separable(128, 128, 1), .. Separable(128, 256, 2),
             new GlobalAvgPoolLayer(), new FlattenLayer(), Dense(Classes)]),

        ["mlp"] = () => Spec("mlp", "The course's baseline: a dense network on raw pixels (flatten, dense 256-128), no convolutions.",
            new FlattenLayer(), Dense(256), Relu(), Dense(128), Relu(), Dense(Classes)),

        ["inception-tiny"] = () => Spec("inception-tiny", "GoogLeNet-style for small inputs: a conv stem, two Inception modules (1x1, 1x1-3x3, 1x1-5x5 and pool-1x1 paths, concatenated) with pooling between, global average pooling.",
            [.. Stem(32), new MaxPoolLayer(), Inception("inception_1", 16, 16, 24, 4, 8, 16), new MaxPoolLayer(), Inception("inception_2", 32, 24, 48, 8, 16, 16),
             new GlobalAvgPoolLayer(), new FlattenLayer(), Dense(Classes)]),
    };

    public static IEnumerable<string> Names => All.Keys;

    public static bool TryGet(string name, [NotNullWhen(true)] out ArchitectureSpec? spec)
    {
        spec = All.TryGetValue(name, out var factory) ? factory().WithNames($"preset {name}") : null;
        return spec is not null;
    }

    private static ArchitectureSpec Spec(string name, string description, params LayerSpec[] layers) =>
        new() { Name = name, Description = description, Layers = layers };

    private static ConvLayer Conv(int filters, int kernel, int stride = 1, string padding = "same", int groups = 1, bool bias = true) =>
        new() { Filters = filters, Kernel = kernel, Stride = stride, Padding = padding, Groups = groups, Bias = bias };

    private static DenseLayer Dense(int units) => new() { Units = units };

    private static ReluLayer Relu() => new();

    private static ResidualLayer Res(int filters, int stride) => new() { Filters = filters, Stride = stride };

    // Conv followed by batch norm needs no bias: BN's shift replaces it.
    private static LayerSpec[] Stem(int filters) => [Conv(filters, 3, bias: false), new BatchNormLayer(), Relu()];

    private static LayerSpec[] VggStage(int filters) =>
        [Conv(filters, 3, bias: false), new BatchNormLayer(), Relu(), Conv(filters, 3, bias: false), new BatchNormLayer(), Relu(), new MaxPoolLayer()];

    // GoogLeNet's module: 1x1 | 1x1 reduce then 3x3 | 1x1 reduce then 5x5 | 3x3 max pool then 1x1, concatenated.
    private static BranchesLayer Inception(string name, int ones, int reduce3, int threes, int reduce5, int fives, int poolProjection) => new()
    {
        Name = name,
        Paths =
        [
            ConvBnRelu(ones, 1),
            [.. ConvBnRelu(reduce3, 1), .. ConvBnRelu(threes, 3)],
            [.. ConvBnRelu(reduce5, 1), .. ConvBnRelu(fives, 5)],
            [new MaxPoolLayer { Size = 3, Stride = 1, Padding = 1 }, .. ConvBnRelu(poolProjection, 1)],
        ],
    };

    private static LayerSpec[] ConvBnRelu(int filters, int kernel) => [Conv(filters, kernel, bias: false), new BatchNormLayer(), Relu()];

    private static LayerSpec[] Separable(int inputs, int outputs, int stride) =>
        [Conv(inputs, 3, stride: stride, groups: inputs, bias: false), new BatchNormLayer(), Relu(),
         Conv(outputs, 1, bias: false), new BatchNormLayer(), Relu()];
}
