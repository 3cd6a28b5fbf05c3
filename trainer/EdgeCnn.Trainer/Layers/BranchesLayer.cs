using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// Parallel paths from the same input, their outputs concatenated along the channels: GoogLeNet's Inception module
/// (1x1, 3x3 and 5x5 convolutions and a 3x3 pooling side by side, with 1x1 reductions in front of the big ones).
/// Every path must keep the same height and width.
/// </summary>
internal sealed record BranchesLayer : LayerSpec
{
    /// <summary>The paths, each a list of layers; an empty path passes the input through.</summary>
    public LayerSpec[][] Paths { get; init; } = [];

    internal override PlannedLayer Plan(FeatureShape input, LayerSite site)
    {
        site.RequireMap(input);
        if (Paths.Length < 2) throw site.Error("give at least two paths (a list of layers each) to run side by side.");
        var paths = new List<IReadOnlyList<PlannedLayer>>();
        int channels = 0;
        foreach ((LayerSpec[] path, int k) in Paths.Select((path, k) => (path, k)))
        {
            IReadOnlyList<PlannedLayer> planned = PlanPath(path, k, input, site);
            FeatureShape shape = planned.Count == 0 ? input : planned[^1].Output;
            if (shape.IsFlat || shape.Height != input.Height || shape.Width != input.Width)
                throw site.Error($"path {k} ends in {shape}, but every path must keep the input's {input.Width}x{input.Height} size so their maps can be concatenated (\"same\" padding; pooling with size 3, stride 1, padding 1).");
            channels += shape.Channels;
            paths.Add(planned);
        }
        return new(this, input, FeatureShape.Map(channels, input.Height, input.Width),
            paths.Sum(p => p.Sum(l => l.Parameters)), paths.Sum(p => p.Sum(l => l.Macs))) { Paths = paths };
    }

    // Path k's layers one after another from the block's input, each named BLOCK.pK.LAYER.
    private List<PlannedLayer> PlanPath(LayerSpec[] path, int k, FeatureShape input, LayerSite site)
    {
        var planned = new List<PlannedLayer>();
        FeatureShape shape = input;
        foreach (LayerSpec inner in path)
        {
            LayerSpec named = inner with { Name = $"{Name}.p{k}.{inner.Name}" };
            PlannedLayer step = named.Plan(shape, new LayerSite($"{site.Where}, path {k} layer '{inner.Name}' ({inner.Type}, input {shape})"));
            planned.Add(step);
            shape = step.Output;
        }
        return planned;
    }

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => new Branches(step);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input) =>
        // Each path from the same input; an empty path is the input itself. Concat joins them channel-wise.
        new(graph.Node("Concat", step.Name, [.. step.Paths.Select(path => graph.Layers(input, path))], OnnxAttributes.Int("axis", 1)));
}
