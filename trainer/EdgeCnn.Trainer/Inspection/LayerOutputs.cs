using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Inspection;

/// <summary>
/// One image through the network, layer by layer: the feature maps after each stage (a conv or residual block with
/// the batch norm and activation that follow it, and each pooling layer), as the course's "what do the layers see"
/// slides show them. The Sequential's children are called in turn, so no hooks are needed.
/// </summary>
internal static class LayerOutputs
{
    /// <summary>A stage's output for one image: its name (the layers it spans) and its maps, C×H×W.</summary>
    public sealed record Stage(string Name, int Channels, int Height, int Width, float[] Maps);

    /// <summary>The stages' outputs for <paramref name="input"/> (1×C×H×W), in order.</summary>
    public static IReadOnlyList<Stage> Of(Sequential model, NetworkPlan plan, Tensor input)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var stages = new List<Stage>();
        Tensor x = input;
        int count = plan.Layers.Count;
        string? open = null;
        for (int i = 0; i < count; i++)
        {
            LayerSpec layer = plan.Layers[i].Layer;
            x = Forward(model, x, i, i + 1);
            if (layer.Stage == StageRole.Opens) open = plan.Layers[i].Name;
            bool pooling = layer.Stage == StageRole.Alone;
            // A stage ends where the next layer is not its batch norm or activation.
            bool stageEnds = pooling || (open is not null && (i + 1 == count || plan.Layers[i + 1].Layer.Stage != StageRole.Follows));
            if (x.dim() == 4 && stageEnds && x.shape[2] > 1)
            {
                string name = pooling ? plan.Layers[i].Name : open == plan.Layers[i].Name ? open! : $"{open}..{plan.Layers[i].Name}";
                stages.Add(new Stage(name, (int)x.shape[1], (int)x.shape[2], (int)x.shape[3], x[0].contiguous().cpu().data<float>().ToArray()));
                open = null;
            }
        }
        return stages;
    }

    /// <summary>Runs the children <paramref name="from"/> (inclusive) to <paramref name="until"/> (exclusive) on <paramref name="x"/>.</summary>
    public static Tensor Forward(Sequential model, Tensor x, int from, int until)
    {
        var children = model.named_children().ToList();
        for (int i = from; i < until; i++) x = ((nn.Module<Tensor, Tensor>)children[i].module).call(x);
        return x;
    }

    /// <summary>The first convolution's weights (filters × input channels × k × k), or null for a network without one.</summary>
    public static (float[] Weights, int Filters, int Channels, int Kernel, string Name)? FirstFilters(Sequential model, NetworkPlan plan)
    {
        int index = plan.Layers.ToList().FindIndex(l => l.Layer is ConvLayer);
        if (index < 0) return null;
        var conv = (ConvLayer)plan.Layers[index].Layer;
        using Tensor weight = model.named_parameters().First(p => p.name == $"{plan.Layers[index].Name}.weight").parameter.detach().cpu().contiguous();
        return (weight.data<float>().ToArray(), conv.Filters, (int)weight.shape[1], conv.Kernel, plan.Layers[index].Name);
    }
}
