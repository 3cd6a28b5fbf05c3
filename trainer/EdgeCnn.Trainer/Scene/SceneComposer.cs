using EdgeCnn.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// Makes a batch of dataset images look like camera frames, all at once as tensor operations. What an image becomes
/// depends on what it is:
/// <list type="bullet">
/// <item>an item to paste (a cut-out with an alpha channel, or an IDX item cut out by its own pixels on black) is
/// scaled, stretched a little, rotated and placed over a background from the <see cref="BackgroundBank"/>, partly
/// out of the frame at times, as a camera sees it;</item>
/// <item>a captured frame (a photo without transparency: the item is already in its scene) is augmented as a frame:
/// cropped, zoomed, mirrored and tilted a little, never pasted as a picture in a picture;</item>
/// </list>
/// a share of the batch becomes empty scenes of the background class, a share stays clean; then a pole or branch in
/// front at times, and light (exposure, white balance, contrast, gamma), blur and sensor noise.
/// </summary>
internal sealed class SceneComposer
{
    // Items on black are cut out where they are brighter than this (unit scale), then holes are closed.
    private const float MaskLevel = 0.03f;
    private const double AspectJitter = 1.3;
    // A captured frame is cropped to this share of its side at the least (more would often crop the item out while
    // its label stays), and tilted by at most this many degrees.
    private const double FrameZoom = 0.8;
    private const double FrameTilt = 6;
    // The device shrinks a camera frame to the input by averaging its pixels (INTER_AREA, which every exported
    // manifest asks for), so an item in its view has soft, averaged edges and fine textures average out. Scenes are
    // composed at twice the input's size from antialiased sources and averaged down, to look the same: composed at
    // the input's size, a pasted item's edges are hard and a shrunk photo's texture glitters, a difference the
    // network can learn as "pasted" and the device never shows.
    private const int RenderScale = 2;
    // Items are shrunk from mipmap levels down to this side (Antialiasing), however small --scene-scale makes them.
    private const int SmallestItemLevel = 4;
    /// <summary>An image whose opacity is everywhere at least this is a frame, not a cut-out.</summary>
    public const float OpaqueLevel = 0.99f;
    private readonly SceneOptions _options;
    private readonly BackgroundBank _bank;
    private readonly bool _maskItems;
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly float _unit;

    /// <param name="backgroundClass">The background class's label index; -1 when the model has none (no empty scenes).</param>
    /// <param name="maskItems">Whether every item is cut out by its own pixels (IDX items on black); otherwise
    /// images with an alpha channel are cut out by it and the others are frames.</param>
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
    /// <param name="Kind">Per image: 0 clean, 1 item pasted into a scene, 2 empty scene, 3 a frame augmented as a frame.</param>
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
    /// <param name="alpha">The images' opacity (N, 1, H, W), or null when all are opaque.</param>
    public Batch Compose(Tensor images, Tensor labels, Tensor? alpha) =>
        Compose(images, labels, alpha, BackgroundClass < 0 ? 0 : _options.BackgroundFraction, _options.CleanFraction, photometric: true);

    /// <summary>
    /// Composes <paramref name="images"/> (normalised, N x C x H x W, with their opacity <paramref name="alpha"/>,
    /// N x 1 x H x W, or null when all are opaque): <paramref name="emptyShare"/> of them become empty scenes,
    /// <paramref name="cleanShare"/> stay as they are, the rest become camera frames: items are pasted into scenes,
    /// captured frames (and images already of the background class) are augmented as frames. The inputs are not changed.
    /// </summary>
    public Batch Compose(Tensor images, Tensor labels, Tensor? alpha, double emptyShare, double cleanShare, bool photometric)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        Device device = images.device;
        Tensor mean = tensor(_mean, device: device).view(1, channels, 1, 1);
        Tensor std = tensor(_std, device: device).view(1, channels, 1, 1);
        Tensor unit = (images * std + mean) / _unit;

        Tensor draw = rand(n, device: device);
        Tensor alreadyBackground = BackgroundClass >= 0 ? labels.eq(BackgroundClass) : zeros(n, ScalarType.Bool, device: device);
        Tensor pasted = _maskItems ? ones(n, ScalarType.Bool, device: device)
            : alpha is null ? zeros(n, ScalarType.Bool, device: device) : alpha.amin([1, 2, 3]) < OpaqueLevel;
        pasted &= alreadyBackground.logical_not();
        Tensor empty = (draw < emptyShare) & alreadyBackground.logical_not();
        Tensor clean = (draw >= emptyShare) & (draw < emptyShare + cleanShare);
        Tensor kind = where(empty, 2L, where(clean, 0L, where(pasted, 1L, 3L)));

        Tensor fine = _bank.Sample(n, (int)(height * RenderScale), (int)(width * RenderScale), device);
        Tensor cutout = _maskItems ? OwnPixels(unit) : alpha ?? ones(n, 1, height, width, device: device);
        (Tensor item, Tensor opacity, Tensor boxes) = Place(unit, cutout, n, channels, height * RenderScale, width * RenderScale, device);
        Tensor background = nn.functional.avg_pool2d(fine, RenderScale);
        Tensor scene = nn.functional.avg_pool2d(item + (1 - opacity) * fine, RenderScale);
        Tensor frame = FrameView(unit, n, channels, height, width, device);
        Tensor View(Tensor mask) => mask.view(n, 1, 1, 1);
        Tensor composed = where(View(empty), background, where(View(clean), unit, where(View(kind == 1), scene, frame)));
        if (photometric) composed = where(View(clean), composed, Camera(Occlude(composed, n, height, width, device), n, channels, device));

        Tensor outLabels = BackgroundClass >= 0 ? where(empty, (long)BackgroundClass, labels) : labels.clone();
        Tensor outBoxes = boxes * (kind == 1).view(n, 1);
        Tensor normalised = (composed * _unit - mean) / std;
        return new Batch(normalised.MoveToOuterDisposeScope(), outLabels.MoveToOuterDisposeScope(), outBoxes.MoveToOuterDisposeScope(), kind.MoveToOuterDisposeScope());
    }

    // An item on black, cut out where it is brighter than black; closing (dilate, then erode) fills the dark holes
    // inside it, such as a bag's handle gap edges.
    private static Tensor OwnPixels(Tensor unit)
    {
        Tensor bright = (unit.mean([1], keepdim: true) > MaskLevel).to(float32);
        Tensor dilated = nn.functional.max_pool2d(bright, 3, 1, 1);
        return 1 - nn.functional.max_pool2d(1 - dilated, 3, 1, 1);
    }

    // A captured frame as another moment of the same camera would frame it: a crop anywhere, zoomed to the full
    // size, mirrored half the time and tilted a little; the edge pixels fill what the tilt uncovers.
    private static Tensor FrameView(Tensor unit, long n, long channels, long height, long width, Device device)
    {
        Tensor zoom = rand(n, device: device) * (1 - FrameZoom) + FrameZoom;
        Tensor flip = where(rand(n, device: device) < 0.5, -1f, 1f);
        Tensor angle = (rand(n, device: device) * 2 - 1) * (FrameTilt * Math.PI / 180);
        Tensor cx = (rand(n, device: device) * 2 - 1) * (1 - zoom);
        Tensor cy = (rand(n, device: device) * 2 - 1) * (1 - zoom);
        Tensor cos = angle.cos() * zoom, sin = angle.sin() * zoom;
        Tensor theta = stack([cos * flip, -sin, cx, sin * flip, cos, cy], 1).view(n, 2, 3).to(float32);
        Tensor grid = nn.functional.affine_grid(theta, [n, channels, height, width], align_corners: false);
        return nn.functional.grid_sample(unit, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
    }

    // Something between the camera and the scene, in a share of the frames: a pole across the whole frame, or a
    // branch from the frame's edge, 2 to 12 % of the frame wide, in the colour of a darkened background crop.
    private Tensor Occlude(Tensor x, long n, long height, long width, Device device)
    {
        if (_options.Occlusion <= 0) return x;
        Tensor U() => (rand(n, 1, 1, device: device) * 2 - 1);
        Tensor ys = linspace(-1 + 1.0 / height, 1 - 1.0 / height, height, device: device).view(1, height, 1);
        Tensor xs = linspace(-1 + 1.0 / width, 1 - 1.0 / width, width, device: device).view(1, 1, width);
        // The band's direction: near vertical for a pole, near horizontal for a branch.
        Tensor branch = rand(n, 1, 1, device: device) < 0.5;
        Tensor angle = U() * 0.4 + branch.to(float32) * (Math.PI / 2);
        Tensor ux = angle.sin(), uy = angle.cos();
        Tensor x0 = U() * 0.8, y0 = U() * 0.8;
        Tensor across = ((xs - x0) * uy - (ys - y0) * ux).abs();
        Tensor along = (xs - x0) * ux + (ys - y0) * uy;
        Tensor halfWidth = rand(n, 1, 1, device: device) * 0.1 + 0.02;
        // A branch grows from one edge and ends somewhere inside the frame.
        Tensor side = where(U() < 0, -1f, 1f);
        Tensor reach = where(branch, along * side <= 0, ones_like(along, ScalarType.Bool));
        double pixel = 1.0 / Math.Min(height, width);
        Tensor band = ((halfWidth + pixel - across) / (2 * pixel)).clamp(0, 1) * reach.to(float32);
        Tensor apply = (rand(n, 1, 1, device: device) < _options.Occlusion).to(float32);
        Tensor cover = (band * apply).unsqueeze(1);
        Tensor colour = _bank.Sample(n, (int)height, (int)width, device) * (rand(n, 1, 1, 1, device: device) * 0.5 + 0.2);
        return x * (1 - cover) + colour * cover;
    }

    // The item, premultiplied by its cut-out, warped to a random place in a height x width frame: inside the frame,
    // or with up to the options' overhang of its bounding box beyond the frame's edge. Mirrored half the time; a
    // small item is read from a shrunk copy (Antialiasing).
    private (Tensor Item, Tensor Alpha, Tensor Boxes) Place(Tensor unit, Tensor cutout, long n, long channels, long height, long width, Device device)
    {
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
        double inside = 1 - 2 * _options.Overhang;
        Tensor tx = (rand(n, device: device) * 2 - 1) * (1 - halfWidth * inside);
        Tensor ty = (rand(n, device: device) * 2 - 1) * (1 - halfHeight * inside);
        Tensor flip = where(rand(n, device: device) < 0.5, -1f, 1f);

        // affine_grid maps each output point p to the item point q = F D^-1 R^T (p - t), F the mirror.
        Tensor a = flip * cos / sx, b = flip * sin / sx, c = -sin / sy, d = cos / sy;
        Tensor theta = stack([a, b, -(a * tx + b * ty), c, d, -(c * tx + d * ty)], 1).view(n, 2, 3).to(float32);
        Tensor grid = nn.functional.affine_grid(theta, [n, channels + 1, height, width], align_corners: false);
        // The item's image spans sx of the frame's width and sy of its height: the side that shrinks more decides.
        Tensor shrink = maximum((sx * width).reciprocal() * unit.shape[3], (sy * height).reciprocal() * unit.shape[2]);
        Tensor warped = Antialiasing.Sample(Antialiasing.Pyramid(cat([unit * cutout, cutout], 1), SmallestItemLevel), null, grid, shrink, GridSamplePaddingMode.Zeros);
        Tensor boxes = stack([tx - halfWidth, ty - halfHeight, tx + halfWidth, ty + halfHeight], 1);
        return (warped.narrow(1, 0, channels), warped.narrow(1, channels, 1), boxes);
    }

    private const double MinExposure = 0.35, MaxExposure = 1.2;

    // What a camera adds: exposure, white balance and contrast, a gamma curve, slight defocus, and sensor noise.
    private Tensor Camera(Tensor x, long n, long channels, Device device)
    {
        Tensor U() => rand(n, 1, 1, 1, device: device) * 2 - 1;
        // Exposure from dusk to a bright day, and a white balance that is never quite neutral.
        Tensor exposure = (rand(n, 1, 1, 1, device: device) * Math.Log(MaxExposure / MinExposure) + Math.Log(MinExposure)).exp();
        Tensor balance = channels == 1 ? ones(n, 1, 1, 1, device: device) : 1 + (rand(n, channels, 1, 1, device: device) * 2 - 1) * 0.12;
        Tensor gamma = (U() * Math.Log(1.5)).exp();
        x = (x * exposure * balance).clamp(0, 1).pow(gamma);
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
