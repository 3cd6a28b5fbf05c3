using EdgeCnn.Trainer.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// A fixed, camera-like copy of a validation or test set: every item composed into a scene (and every captured frame
/// augmented as a frame) once, with a seed of its own, and a share of empty scenes of the background class, so that
/// every epoch is scored on the same frames. The result is opaque: its frames are what a camera delivers.
/// </summary>
internal static class SceneSet
{
    /// <param name="classes">The run's classes (the dataset's, plus the background class when it was added).</param>
    /// <param name="emptyShare">Share of the set that becomes empty scenes.</param>
    public static ImageSet Compose(ImageSet items, IReadOnlyList<string> classes, SceneComposer composer, int seed, double emptyShare)
    {
        var p = items.Preprocessing;
        int length = p.TensorLength, plane = p.Width * p.Height;
        var pixels = new float[items.Pixels.Length];
        var labels = new long[items.Count];
        // Its own seed, without disturbing the training's random stream (a resumed run must repeat exactly).
        using Tensor saved = torch.get_rng_state();
        torch.manual_seed(seed);
        try
        {
            const int chunk = 1000;
            for (int start = 0; start < items.Count; start += chunk)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(chunk, items.Count - start);
                Tensor x = tensor(items.Pixels.AsSpan(start * length, count * length).ToArray(), [count, p.Channels, p.Height, p.Width]);
                Tensor y = tensor(items.Labels.AsSpan(start, count).ToArray());
                Tensor? alpha = items.Alpha is null ? null : tensor(items.Alpha.AsSpan(start * plane, count * plane).ToArray(), [count, 1, p.Height, p.Width]);
                using SceneComposer.Batch batch = composer.Compose(x, y, alpha, emptyShare, cleanShare: 0, photometric: true);
                batch.Images.contiguous().data<float>().CopyTo(pixels.AsSpan(start * length, count * length));
                batch.Labels.data<long>().CopyTo(labels.AsSpan(start, count));
            }
        }
        finally
        {
            torch.set_rng_state(saved);
        }
        return new ImageSet(pixels, labels, classes, p);
    }
}
