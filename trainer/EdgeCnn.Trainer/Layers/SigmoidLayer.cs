using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>1 / (1 + e^-x), into 0..1.</summary>
internal sealed record SigmoidLayer : ActivationLayer
{
    private protected override string OnnxOperator => "Sigmoid";

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.Sigmoid();
}
