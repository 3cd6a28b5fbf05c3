using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>The mean of each window of each channel, without padding.</summary>
internal sealed record AvgPoolLayer : PoolLayer
{
    public int Size { get; init; } = 2;
    /// <summary>Defaults to <see cref="Size"/>.</summary>
    public int? Stride { get; init; }

    private protected override (int Size, int Stride, int Pad) Window() => (Size, Stride ?? Size, 0);

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.AvgPool2d(Size, Stride ?? Size);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input) =>
        new(graph.Node("AveragePool", step.Name, [input], OnnxAttributes.Ints("kernel_shape", Size, Size), OnnxAttributes.Ints("strides", Stride ?? Size, Stride ?? Size)));
}
