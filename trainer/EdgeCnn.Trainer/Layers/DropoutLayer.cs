using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>Dropout during training; it disappears at inference and in the exported model.</summary>
internal sealed record DropoutLayer : LayerSpec
{
    public double Rate { get; init; } = 0.5;

    internal override PlannedLayer Plan(FeatureShape input, LayerSite site)
    {
        if (Rate is < 0 or >= 1) throw site.Error($"rate {Rate} must be at least 0 and below 1.");
        return new(this, input, input, 0, 0);
    }

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.Dropout(Rate);

    // Identity at inference: no node.
    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input) => new(input);
}
