using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>A fully connected layer over a flat vector.</summary>
internal sealed record DenseLayer : LayerSpec
{
    [JsonConverter(typeof(WidthConverter))]
    public int Units { get; init; }
    public bool Bias { get; init; } = true;

    internal override LayerSpec WithClasses(int classes) => Units == ClassCount ? this with { Units = classes } : this;

    internal override PlannedLayer Plan(FeatureShape input, LayerSite site)
    {
        if (!input.IsFlat) throw site.Error("dense needs a flat input; add a 'flatten' layer before it.");
        if (Units < 1) throw site.Error($"units is {Units}; give a positive number or \"classes\".");
        long parameters = (long)input.Channels * Units + (Bias ? Units : 0);
        return new(this, input, FeatureShape.Vector(Units), parameters, (long)input.Channels * Units);
    }

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.Linear(step.Input.Channels, Units, hasBias: Bias);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input)
    {
        string name = step.Name;
        var inputs = new List<string> { input, graph.Weight($"{name}.weight", graph.Trained[$"{name}.weight"], Units, step.Input.Channels) };
        if (Bias) inputs.Add(graph.Weight($"{name}.bias", graph.Trained[$"{name}.bias"], Units));
        return new(graph.Node("Gemm", name, inputs, OnnxAttributes.Int("transB", 1)));
    }
}
