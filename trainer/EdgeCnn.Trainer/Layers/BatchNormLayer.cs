using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>Batch normalisation over the channels of a feature map, or over the values of a flat vector.</summary>
internal sealed record BatchNormLayer : LayerSpec
{
    /// <summary>TorchSharp's BatchNorm default, used by every preset and file.</summary>
    internal const double Epsilon = 1e-5;

    internal override StageRole Stage => StageRole.Follows;

    internal override PlannedLayer Plan(FeatureShape input, LayerSite site) => new(this, input, input, 2L * input.Channels, 0);

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) =>
        step.Input.IsFlat ? nn.BatchNorm1d(step.Input.Channels) : nn.BatchNorm2d(step.Input.Channels);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input)
    {
        // Not after a conv, so nothing to fold into: ONNX BatchNormalization takes (N, C, H, W) feature maps and (N, C) vectors alike.
        string name = step.Name;
        int c = step.Input.Channels;
        string Stored(string tensor) => graph.Weight($"{name}.{tensor}", graph.Trained[$"{name}.{tensor}"], c);
        return new(graph.Node("BatchNormalization", name, [input, Stored("weight"), Stored("bias"), Stored("running_mean"), Stored("running_var")],
            OnnxAttributes.Float("epsilon", (float)Epsilon)));
    }

    /// <summary>The inference batch norm <paramref name="name"/> as y = x * scale + shift, computed in double.</summary>
    internal static (float[] Scale, float[] Shift) Affine(IReadOnlyDictionary<string, float[]> weights, string name, int channels)
    {
        float[] gamma = weights[$"{name}.weight"], beta = weights[$"{name}.bias"];
        float[] mean = weights[$"{name}.running_mean"], variance = weights[$"{name}.running_var"];
        var scale = new float[channels];
        var shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double s = gamma[c] / Math.Sqrt(variance[c] + Epsilon);
            scale[c] = (float)s;
            shift[c] = (float)(beta[c] - mean[c] * s);
        }
        return (scale, shift);
    }
}
