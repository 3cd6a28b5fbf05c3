using EdgeCnn.Trainer.Scene;
using EdgeCnn.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Training;

/// <summary>
/// Random augmentation of a whole batch at once, as tensor operations in libtorch: one affine resample for
/// shift, flip and rotation, then brightness/contrast and random erasing as masks. Nothing runs per pixel in
/// managed code, so the two CPU cores stay on the training step.
/// </summary>
internal sealed class Augmenter
{
    private readonly AugmentationOptions _options;
    private readonly float[] _black;
    private readonly float[] _pixelRange;
    private readonly SceneComposer? _scene;

    public Augmenter(AugmentationOptions options, PreprocessingSpec preprocessing, SceneComposer? scene = null)
    {
        _options = options;
        _scene = scene;
        // Augmented images live in normalised space: black is -mean/std and the full 0..255 range spans 255*scale/std.
        _black = Enumerable.Range(0, preprocessing.Channels).Select(c => -preprocessing.Mean[c] / preprocessing.Std[c]).ToArray();
        _pixelRange = Enumerable.Range(0, preprocessing.Channels).Select(c => 255f * preprocessing.Scale / preprocessing.Std[c]).ToArray();
    }

    /// <summary>
    /// The training batch: the item augmentations, then, with scene augmentation, the items composed into camera-like
    /// scenes (some batch members become empty scenes, so the labels may change too). <paramref name="alpha"/> is
    /// the items' opacity (N, 1, H, W) for cut-outs, or null; it moves with the items.
    /// </summary>
    public (Tensor Images, Tensor Labels) Apply(Tensor batch, Tensor labels, Tensor? alpha = null)
    {
        (Tensor items, Tensor? opacity) = Apply(batch, alpha);
        if (_scene is null)
        {
            opacity?.Dispose();
            return (items, labels);
        }
        using (items)
        using (opacity)
        {
            SceneComposer.Batch scene = _scene.Compose(items, labels, opacity);
            scene.Boxes.Dispose();
            scene.Kind.Dispose();
            return (scene.Images, scene.Labels);
        }
    }

    /// <summary>Returns an augmented copy of <paramref name="batch"/> (N, C, H, W); the input is not changed.</summary>
    public Tensor Apply(Tensor batch)
    {
        (Tensor images, Tensor? alpha) = Apply(batch, null);
        alpha?.Dispose();
        return images;
    }

    // The augmented batch and its opacity, which takes the same shift, flip and rotation (uncovered: transparent).
    private (Tensor Images, Tensor? Alpha) Apply(Tensor batch, Tensor? alpha)
    {
        if (!_options.Any) return (batch.alias(), alpha?.alias());
        using var scope = NewDisposeScope();
        Tensor x = batch;
        long n = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3];
        var device = x.device;
        Tensor black = tensor(_black, device: device).view(1, channels, 1, 1);

        if (_options.Shift > 0 || _options.Flip || _options.Rotate > 0)
        {
            Tensor angle = (rand(n, device: device) * 2 - 1) * (_options.Rotate * Math.PI / 180);
            Tensor flip = _options.Flip ? where(rand(n, device: device) < 0.5, -1f, 1f) : ones(n, device: device);
            // Whole-pixel shifts, in the [-1, 1] coordinates that affine_grid uses (one pixel is 2/size).
            Tensor dx = (rand(n, device: device) * 2 - 1).mul(_options.Shift * width).round().mul(2.0 / width);
            Tensor dy = (rand(n, device: device) * 2 - 1).mul(_options.Shift * height).round().mul(2.0 / height);
            Tensor cos = angle.cos(), sin = angle.sin();
            Tensor theta = stack([cos * flip, -sin, dx, sin * flip, cos, dy], 1).view(n, 2, 3).to(float32);
            Tensor grid = nn.functional.affine_grid(theta, [n, channels, height, width], align_corners: false);
            // Without rotation every sample lands on a pixel centre, so nearest sampling moves pixels exactly.
            var mode = _options.Rotate > 0 ? GridSampleMode.Bilinear : GridSampleMode.Nearest;
            // Sample (x - black) with zero padding so the uncovered border becomes black, not the mean colour.
            Tensor moved = nn.functional.grid_sample(alpha is null ? x - black : cat([x - black, alpha], 1), grid, mode, GridSamplePaddingMode.Zeros, align_corners: false);
            x = moved.narrow(1, 0, channels) + black;
            if (alpha is not null)
            {
                // A frame stays a frame: the border a shift uncovers must not make it look like a cut-out.
                Tensor frames = (alpha.amin([1, 2, 3]) >= SceneComposer.OpaqueLevel).view(n, 1, 1, 1);
                alpha = where(frames, alpha, moved.narrow(1, channels, 1));
            }
        }

        if (_options.Brightness > 0 || _options.Contrast > 0)
        {
            Tensor range = tensor(_pixelRange, device: device).view(1, channels, 1, 1);
            Tensor contrast = 1 + (rand(n, 1, 1, 1, device: device) * 2 - 1) * _options.Contrast;
            Tensor brightness = (rand(n, 1, 1, 1, device: device) * 2 - 1) * _options.Brightness * range;
            Tensor mean = x.mean([1, 2, 3], keepdim: true);
            x = (x - mean) * contrast + mean + brightness;
        }

        if (_options.Erase > 0)
        {
            // One rectangle per image, 2-25% of its area, aspect 0.3-3.3, filled with the mean (0 after normalising).
            Tensor area = (rand(n, device: device) * 0.23 + 0.02) * (height * width);
            Tensor aspect = (rand(n, device: device) * (Math.Log(3.3) - Math.Log(0.3)) + Math.Log(0.3)).exp();
            Tensor eraseHeight = (area * aspect).sqrt().clamp(1, height).floor();
            Tensor eraseWidth = (area / aspect).sqrt().clamp(1, width).floor();
            Tensor top = (rand(n, device: device) * (height - eraseHeight + 1)).floor();
            Tensor left = (rand(n, device: device) * (width - eraseWidth + 1)).floor();
            Tensor apply = rand(n, device: device) < _options.Erase;
            Tensor rows = arange(height, device: device).view(1, height, 1);
            Tensor cols = arange(width, device: device).view(1, 1, width);
            Tensor mask = (rows >= top.view(n, 1, 1)) & (rows < (top + eraseHeight).view(n, 1, 1))
                        & (cols >= left.view(n, 1, 1)) & (cols < (left + eraseWidth).view(n, 1, 1)) & apply.view(n, 1, 1);
            x = x.masked_fill(mask.unsqueeze(1), 0f);
        }

        Tensor images = (ReferenceEquals(x, batch) ? x.clone() : x).MoveToOuterDisposeScope();
        return (images, alpha?.clone().MoveToOuterDisposeScope());
    }
}
