using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Layers;
using EdgeCnn.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Inspection;

/// <summary>
/// Class activation maps without gradients (Zhou et al., 2016), for networks that end in global average pooling
/// followed by one dense layer (resnet8, mobilenet-tiny) or that pool a conv with one filter per class (allconv):
/// the map of class c is Σₖ w[c,k]·Aₖ over the feature maps A that are pooled. The exporter gives such a model A as a
/// second output and the manifest the weights, so the device draws the same map.
/// </summary>
internal static class ClassActivationMap
{
    /// <summary>Where the pooled maps come from and which weights combine them; throws saying why a network has none.</summary>
    public static (int PooledLayer, string? Dense) Layout(NetworkPlan plan)
    {
        IReadOnlyList<PlannedLayer> layers = plan.Layers;
        int pool = layers.ToList().FindLastIndex(l => l.Layer is GlobalAvgPoolLayer);
        if (pool < 1) throw new InvalidDataException($"{plan.Architecture.Name} has no global average pooling, so it has no class activation maps (they need GAP + one dense layer, as resnet8, allconv and mobilenet-tiny have).");
        var after = layers.Skip(pool + 1).Where(l => l.Layer is not (FlattenLayer or DropoutLayer)).ToList();
        if (after.Count == 0 && layers[pool].Input.Channels == plan.Classes) return (pool, null);
        if (after is [{ Layer: DenseLayer } dense] && dense.Output.Channels == plan.Classes) return (pool, dense.Name);
        throw new InvalidDataException($"{plan.Architecture.Name}: after its global average pooling come {string.Join(", ", after.Select(l => l.Name))}; class activation maps need exactly one dense layer there (or none, after a conv with one filter per class).");
    }

    /// <summary>The manifest's description: the pooled maps' shape and the weights (classes × channels).</summary>
    public static ClassActivationMapSpec Spec(nn.Module model, NetworkPlan plan, string output = "features")
    {
        (int pool, string? dense) = Layout(plan);
        FeatureShape maps = plan.Layers[pool].Input;
        float[] weights;
        if (dense is null)
        {
            weights = new float[plan.Classes * plan.Classes];
            for (int c = 0; c < plan.Classes; c++) weights[c * plan.Classes + c] = 1f; // each class's own map
        }
        else
        {
            using Tensor w = model.named_parameters().First(p => p.name == $"{dense}.weight").parameter.detach().cpu().contiguous();
            weights = w.data<float>().ToArray();
        }
        return new ClassActivationMapSpec { Output = output, Channels = maps.Channels, Height = maps.Height, Width = maps.Width, Weights = weights };
    }

    /// <summary>The map of <paramref name="classIndex"/> for <paramref name="input"/> (1×C×H×W), at the feature maps' size.</summary>
    public static float[] Compute(Sequential model, NetworkPlan plan, Tensor input, int classIndex)
    {
        ClassActivationMapSpec spec = Spec(model, plan);
        (int pool, _) = Layout(plan);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor x = LayerOutputs.Forward(model, input, 0, pool);
        using Tensor w = tensor(spec.Weights.AsSpan(classIndex * spec.Channels, spec.Channels).ToArray(), [spec.Channels, 1, 1]);
        return (x[0] * w).sum(dim: 0).contiguous().cpu().data<float>().ToArray();
    }
}
