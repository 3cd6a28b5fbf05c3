using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>The largest value in each window of each channel.</summary>
internal sealed record MaxPoolLayer : PoolLayer
{
    public int Size { get; init; } = 2;
    /// <summary>Defaults to <see cref="Size"/>.</summary>
    public int? Stride { get; init; }
    /// <summary>Pixels added on each side (never the maximum): 1 with size 3 and stride 1 keeps the map's size.</summary>
    public int Padding { get; init; }

    private protected override (int Size, int Stride, int Pad) Window() => (Size, Stride ?? Size, Padding);

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.MaxPool2d(Size, Stride ?? Size, Padding);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input) =>
        new(graph.Node("MaxPool", step.Name, [input], OnnxAttributes.Ints("kernel_shape", Size, Size), OnnxAttributes.Ints("strides", Stride ?? Size, Stride ?? Size),
            OnnxAttributes.Ints("pads", Padding, Padding, Padding, Padding)));
}
