using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>tanh(x), into -1..1.</summary>
internal sealed record TanhLayer : ActivationLayer
{
    private protected override string OnnxOperator => "Tanh";

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) => nn.Tanh();
}
