using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Inspection;

/// <summary>
/// Grad-CAM (Selvaraju et al., 2017): where in the image the evidence for a class is. The last spatial feature maps A
/// (before the network pools or flattens them away) are weighted by the mean gradient of the class score over each
/// map, summed, and cut at zero: CAM = ReLU(Σₖ mean(∂y_c/∂Aₖ) · Aₖ), then scaled to the input's size.
/// </summary>
internal static class GradCam
{
    /// <summary>The map for <paramref name="classIndex"/> (or the predicted class when null), H×W of the input, in [0, 1].</summary>
    public static (float[] Map, int PredictedClass, int ExplainedClass, string Layer) Compute(Sequential model, NetworkPlan plan, Tensor input, int? classIndex = null)
    {
        model.eval();
        using var scope = NewDisposeScope();
        int last = LastSpatialLayer(plan);
        Tensor maps;
        using (var noGrad = no_grad())
        {
            maps = LayerOutputs.Forward(model, input, 0, last + 1);
        }
        maps = maps.detach().requires_grad_(true);
        Tensor x = LayerOutputs.Forward(model, maps, last + 1, plan.Layers.Count);
        int predicted = (int)x.argmax(1).item<long>();
        int explained = classIndex ?? predicted;
        Tensor score = x[0, explained];
        Tensor gradient = torch.autograd.grad([score], [maps])[0];
        Tensor weights = gradient.mean([2, 3], keepdim: true);
        Tensor cam = nn.functional.relu((weights * maps).sum(1, keepdim: true));
        cam = nn.functional.interpolate(cam, [input.shape[2], input.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
        float top = cam.max().item<float>();
        if (top > 0) cam = cam / top;
        return (cam.detach().contiguous().cpu().data<float>().ToArray(), predicted, explained, plan.Layers[last].Name);
    }

    // The last layer whose output still has space in it: its activation if one follows (that is what the classifier reads).
    private static int LastSpatialLayer(NetworkPlan plan)
    {
        int last = -1;
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            if (plan.Layers[i].Output.IsFlat || plan.Layers[i].Layer is GlobalAvgPoolLayer) break;
            if (plan.Layers[i].Output.Height > 1) last = i;
        }
        return last >= 0 ? last : throw new InvalidDataException($"{plan.Architecture.Name} has no spatial feature maps to explain (a dense network on raw pixels); Grad-CAM needs convolutions.");
    }
}
