using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>The mean of each channel's map: (C, H, W) to (C, 1, 1).</summary>
internal sealed record GlobalAvgPoolLayer : LayerSpec
{
    internal override PlannedLayer Plan(FeatureShape input, LayerSite site)
    {
        site.RequireMap(input);
        return new(this, input, FeatureShape.Map(input.Channels, 1, 1), 0, 0);
    }

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.AdaptiveAvgPool2d(1);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input) =>
        new(graph.Node("GlobalAveragePool", step.Name, [input]));
}
