using EdgeCnn.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// Makes a batch of dataset items look like camera frames, all at once as tensor operations: each item is cut out
/// (by its own pixels when it sits on a plain background, whole when it is a photo), scaled, stretched a little,
/// rotated and placed inside the frame over a background from the <see cref="BackgroundBank"/>; a share of the batch
/// becomes empty scenes of the background class, a share stays clean; then light (brightness, contrast, gamma),
/// blur and sensor noise.
/// </summary>
internal sealed class SceneComposer
{
    // Items on black are cut out where they are brighter than this (unit scale), then holes are closed.
    private const float MaskLevel = 0.03f;
    private const double AspectJitter = 1.3;
    private readonly SceneOptions _options;
    private readonly BackgroundBank _bank;
    private readonly bool _maskItems;
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly float _unit;

    /// <param name="backgroundClass">The background class's label index; -1 when the model has none (no empty scenes).</param>
    public SceneComposer(SceneOptions options, PreprocessingSpec preprocessing, BackgroundBank bank, int backgroundClass, bool maskItems)
    {
        _options = options;
        _bank = bank;
        _maskItems = maskItems;
        BackgroundClass = backgroundClass;
        _mean = preprocessing.Mean;
        _std = preprocessing.Std;
        // A normalised value x is the 8-bit pixel p as (p*scale - mean)/std; unit space is p/255.
        _unit = 255f * preprocessing.Scale;
    }

    public int BackgroundClass { get; }

    /// <summary>One composed batch, and where each item went.</summary>
    /// <param name="Images">Normalised like the input, (N, C, H, W).</param>
    /// <param name="Labels">The item's label, or the background class for an empty scene.</param>
    /// <param name="Boxes">Per image (x0, y0, x1, y1) of the item's bounding box in [-1, 1] frame coordinates
    /// (all zero for clean images and empty scenes).</param>
    /// <param name="Kind">Per image: 0 clean, 1 item in a scene, 2 empty scene.</param>
    public sealed record Batch(Tensor Images, Tensor Labels, Tensor Boxes, Tensor Kind) : IDisposable
    {
        public void Dispose()
        {
            Images.Dispose();
            Labels.Dispose();
            Boxes.Dispose();
            Kind.Dispose();
        }
    }

    /// <summary>Composes the training mix: the options' shares of empty scenes and clean items.</summary>
    public Batch Compose(Tensor images, Tensor labels) =>
        Compose(images, labels, BackgroundClass < 0 ? 0 : _options.BackgroundFraction, _options.CleanFraction, photometric: true);

    /// <summary>
    /// Composes <paramref name="images"/> (normalised, N x C x H x W): <paramref name="emptyShare"/> of them become
    /// empty scenes, <paramref name="cleanShare"/> stay as they are, the rest are items in scenes. Images already of
    /// the background class are never pasted into a scene (they are scenes). The inputs are not changed.
    /// </summary>
    public Batch Compose(Tensor images, Tensor labels, double emptyShare, double cleanShare, bool photometric)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        Device device = images.device;
        Tensor mean = tensor(_mean, device: device).view(1, channels, 1, 1);
        Tensor std = tensor(_std, device: device).view(1, channels, 1, 1);
        Tensor unit = (images * std + mean) / _unit;

        Tensor draw = rand(n, device: device);
        Tensor alreadyBackground = BackgroundClass >= 0 ? labels.eq(BackgroundClass) : zeros(n, ScalarType.Bool, device: device);
        Tensor empty = (draw < emptyShare) & alreadyBackground.logical_not();
        Tensor clean = ((draw >= emptyShare) & (draw < emptyShare + cleanShare)) | alreadyBackground;
        Tensor kind = where(empty, 2L, where(clean, 0L, 1L));

        Tensor background = _bank.Sample(n, (int)height, (int)width, device);
        (Tensor item, Tensor alpha, Tensor boxes) = Place(unit, n, channels, height, width, device);
        Tensor scene = item + (1 - alpha) * background;
        Tensor composed = where(empty.view(n, 1, 1, 1), background, where(clean.view(n, 1, 1, 1), unit, scene));
        if (photometric) composed = where(clean.view(n, 1, 1, 1), composed, Camera(composed, n, channels, device));

        Tensor outLabels = BackgroundClass >= 0 ? where(empty, (long)BackgroundClass, labels) : labels.clone();
        Tensor outBoxes = boxes * (kind == 1).view(n, 1);
        Tensor normalised = (composed * _unit - mean) / std;
        return new Batch(normalised.MoveToOuterDisposeScope(), outLabels.MoveToOuterDisposeScope(), outBoxes.MoveToOuterDisposeScope(), kind.MoveToOuterDisposeScope());
    }

    // The item, premultiplied by its cut-out, warped to a random place that keeps it inside the frame.
    private (Tensor Item, Tensor Alpha, Tensor Boxes) Place(Tensor unit, long n, long channels, long height, long width, Device device)
    {
        Tensor cutout = ones(n, 1, height, width, device: device);
        if (_maskItems)
        {
            Tensor bright = (unit.mean([1], keepdim: true) > MaskLevel).to(float32);
            // Closing (dilate, then erode) fills the dark holes inside an item, such as a bag's handle gap edges.
            Tensor dilated = nn.functional.max_pool2d(bright, 3, 1, 1);
            cutout = 1 - nn.functional.max_pool2d(1 - dilated, 3, 1, 1);
        }

        Tensor scale = rand(n, device: device) * (_options.MaxScale - _options.MinScale) + _options.MinScale;
        Tensor aspect = ((rand(n, device: device) * 2 - 1) * Math.Log(AspectJitter)).exp();
        Tensor angle = (rand(n, device: device) * 2 - 1) * (_options.Rotate * Math.PI / 180);
        Tensor cos = angle.cos(), sin = angle.sin();
        Tensor sx = scale * aspect, sy = scale / aspect;
        // Half the size of the rotated item's bounding box; shrink the item where that box would not fit.
        Tensor halfWidth = sx * cos.abs() + sy * sin.abs();
        Tensor halfHeight = sx * sin.abs() + sy * cos.abs();
        Tensor fit = maximum(maximum(halfWidth, halfHeight), ones_like(halfWidth)).reciprocal();
        sx *= fit; sy *= fit; halfWidth *= fit; halfHeight *= fit;
        Tensor tx = (rand(n, device: device) * 2 - 1) * (1 - halfWidth);
        Tensor ty = (rand(n, device: device) * 2 - 1) * (1 - halfHeight);

        // affine_grid maps each output point p to the item point q = D^-1 R^T (p - t).
        Tensor a = cos / sx, b = sin / sx, c = -sin / sy, d = cos / sy;
        Tensor theta = stack([a, b, -(a * tx + b * ty), c, d, -(c * tx + d * ty)], 1).view(n, 2, 3).to(float32);
        Tensor grid = nn.functional.affine_grid(theta, [n, channels + 1, height, width], align_corners: false);
        Tensor warped = nn.functional.grid_sample(cat([unit * cutout, cutout], 1), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        Tensor boxes = stack([tx - halfWidth, ty - halfHeight, tx + halfWidth, ty + halfHeight], 1);
        return (warped.narrow(1, 0, channels), warped.narrow(1, channels, 1), boxes);
    }

    // What a camera adds: exposure and contrast, a gamma curve, slight defocus, and sensor noise.
    private Tensor Camera(Tensor x, long n, long channels, Device device)
    {
        Tensor U() => rand(n, 1, 1, 1, device: device) * 2 - 1;
        Tensor gamma = (U() * Math.Log(1.5)).exp();
        x = x.clamp(0, 1).pow(gamma);
        Tensor level = x.mean([1, 2, 3], keepdim: true);
        x = (x - level) * (1 + U() * 0.35) + level + U() * 0.2;

        Tensor kernel = tensor(new float[] { 1, 2, 1, 2, 4, 2, 1, 2, 1 }, device: device).view(1, 1, 3, 3) / 16;
        Tensor blurred = nn.functional.conv2d(nn.functional.pad(x, [1, 1, 1, 1], PaddingModes.Replicate), kernel.expand(channels, 1, 3, 3), groups: channels);
        Tensor blur = (rand(n, 1, 1, 1, device: device) < 0.5).to(float32) * rand(n, 1, 1, 1, device: device);
        x = x + (blurred - x) * blur;

        Tensor sigma = rand(n, 1, 1, 1, device: device) * _options.Noise;
        return (x + randn_like(x) * sigma).clamp(0, 1);
    }
}
