using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// A basic residual block: conv3x3(stride)-BN-ReLU-conv3x3-BN plus a shortcut (identity, or conv1x1(stride)-BN
/// when the shape changes), added, then ReLU.
/// </summary>
internal sealed record ResidualLayer : LayerSpec
{
    public int Filters { get; init; }
    public int Stride { get; init; } = 1;

    /// <summary>The shortcut needs a 1x1 projection when the block changes the shape.</summary>
    public bool HasProjection(int inputChannels) => Stride != 1 || Filters != inputChannels;

    internal override StageRole Stage => StageRole.Opens;

    internal override PlannedLayer Plan(FeatureShape input, LayerSite site)
    {
        site.RequireMap(input);
        if (Filters < 1 || Stride < 1) throw site.Error("filters and stride must be at least 1.");
        int height = (input.Height - 1) / Stride + 1;
        int width = (input.Width - 1) / Stride + 1;
        long pixels = (long)height * width, f = Filters, c = input.Channels;
        long parameters = f * c * 9 + 2 * f + f * f * 9 + 2 * f;
        long macs = pixels * (f * c * 9 + f * f * 9);
        if (HasProjection(input.Channels))
        {
            parameters += f * c + 2 * f;
            macs += pixels * f * c;
        }
        return new(this, input, FeatureShape.Map(Filters, height, width), parameters, macs);
    }

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => new ResidualBlock(step.Name, step.Input.Channels, this);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input)
    {
        string name = step.Name;
        int c = step.Input.Channels, f = Filters;
        string block = ConvLayer.Write(graph, input, $"{name}.conv1", $"{name}.bn1", c, f, 3, Stride, 1, 1);
        block = graph.Node("Relu", name, [block]);
        block = ConvLayer.Write(graph, block, $"{name}.conv2", $"{name}.bn2", f, f, 3, 1, 1, 1);
        string shortcut = HasProjection(c)
            ? ConvLayer.Write(graph, input, $"{name}.shortcut.conv", $"{name}.shortcut.bn", c, f, 1, Stride, 0, 1)
            : input;
        return new(graph.Node("Relu", name, [graph.Node("Add", name, [block, shortcut])]));
    }
}
