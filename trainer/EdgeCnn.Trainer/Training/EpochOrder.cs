using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Training;

/// <summary>
/// Which training images an epoch visits, in which order: each once in a random order, or, balanced, as many draws
/// as there are images with every class equally likely, so that a class with few images (35 bird cut-outs against 59
/// mammals) weighs as much in the loss as one with many. Balancing draws with replacement, so an epoch repeats some
/// images of a small class and leaves out some of a large one; the validation split is not touched.
/// </summary>
internal static class EpochOrder
{
    /// <param name="labels">The training labels (N), int64.</param>
    /// <param name="balance">Whether every class is drawn equally often.</param>
    /// <returns>N indices into the training images.</returns>
    public static Tensor Draw(Tensor labels, bool balance)
    {
        long count = labels.shape[0];
        if (!balance) return torch.randperm(count);
        using var scope = NewDisposeScope();
        Tensor perClass = labels.bincount(null).to(float32);
        // Each image's chance is 1 / (images of its class): every class present gets the same total.
        Tensor weights = perClass.index_select(0, labels).reciprocal();
        return torch.multinomial(weights, count, replacement: true).MoveToOuterDisposeScope();
    }
}
