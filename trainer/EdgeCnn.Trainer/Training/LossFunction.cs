using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Training;

internal static class LossFunction
{
    /// <summary>Mean loss of a batch of logits against class indices.</summary>
    public static Tensor Compute(LossKind kind, Tensor logits, Tensor labels, double labelSmoothing) => kind switch
    {
        LossKind.Hinge => nn.functional.multi_margin_loss(logits, labels),
        _ => nn.functional.cross_entropy(logits, labels, label_smoothing: labelSmoothing),
    };
}
