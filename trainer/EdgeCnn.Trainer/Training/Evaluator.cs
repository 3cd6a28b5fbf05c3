using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Training;

/// <summary>Runs a network in eval mode over a whole set: mean loss, confusion matrix, every prediction and its confidence.</summary>
internal static class Evaluator
{
    /// <param name="Confidence">Each prediction's softmax probability (the max-softmax score).</param>
    public sealed record Result(double Loss, ConfusionMatrix Confusion, long[] Predictions, float[] Confidence);

    public static Result Evaluate(nn.Module<Tensor, Tensor> model, ImageSet set, Device device, LossKind loss, int batchSize = 500)
    {
        model.eval();
        var confusion = new ConfusionMatrix(set.Classes);
        var predictions = new long[set.Count];
        var confidence = new float[set.Count];
        double lossSum = 0;
        int length = set.Preprocessing.TensorLength;
        var p = set.Preprocessing;
        using var noGrad = no_grad();
        for (int start = 0; start < set.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, set.Count - start);
            Tensor x = tensor(set.Pixels.AsSpan(start * length, count * length).ToArray(), [count, p.Channels, p.Height, p.Width]).to(device);
            Tensor y = tensor(set.Labels.AsSpan(start, count).ToArray()).to(device);
            Tensor logits = model.forward(x);
            lossSum += LossFunction.Compute(loss, logits, y, labelSmoothing: 0).item<float>() * count;
            long[] predicted = logits.argmax(1).cpu().data<long>().ToArray();
            logits.softmax(1).amax([1]).cpu().data<float>().CopyTo(confidence.AsSpan(start, count));
            for (int i = 0; i < count; i++)
            {
                predictions[start + i] = predicted[i];
                confusion.Add(set.Labels[start + i], predicted[i]);
            }
        }
        return new Result(set.Count == 0 ? 0 : lossSum / set.Count, confusion, predictions, confidence);
    }
}
