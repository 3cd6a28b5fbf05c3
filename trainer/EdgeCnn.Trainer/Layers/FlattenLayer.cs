using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>A feature map (C, H, W) as one flat vector of C*H*W values.</summary>
internal sealed record FlattenLayer : LayerSpec
{
    internal override PlannedLayer Plan(FeatureShape input, LayerSite site) => new(this, input, FeatureShape.Vector(checked((int)input.Elements)), 0, 0);

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.Flatten();

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input) =>
        new(graph.Node("Flatten", step.Name, [input], OnnxAttributes.Int("axis", 1)));
}
