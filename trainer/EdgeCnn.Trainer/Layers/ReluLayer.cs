using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>max(0, x): the usual activation after a conv or dense layer.</summary>
internal sealed record ReluLayer : ActivationLayer
{
    private protected override string OnnxOperator => "Relu";

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.ReLU();
}
