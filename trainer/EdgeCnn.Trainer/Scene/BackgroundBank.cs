using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// The backgrounds items are pasted onto, in unit pixel space (0..1) at a few times the network's input size:
/// photos from a folder (the user's empty scene, or any photographs) and synthesised textures (flat, gradients,
/// smooth blotches, stripes, grids, with grain and uneven light). <see cref="Sample"/> cuts random crops out of them,
/// which is also what the background class is trained on, shrunk without aliasing (<see cref="Antialiasing"/>).
/// </summary>
internal sealed class BackgroundBank : IDisposable
{
    private const int TextureCount = 512;
    private const int MaxPhotos = 2000;
    // Crops are shrunk from mipmap levels down to this side (Antialiasing), whatever output size they are cut for.
    private const int SmallestLevel = 8;
    // Level 0 is the backgrounds themselves.
    private readonly Tensor[] _pyramid;
    private readonly int _photos;

    private BackgroundBank(Tensor[] pyramid, int photos, IReadOnlyList<string> skipped)
    {
        _pyramid = pyramid;
        _photos = photos;
        Skipped = skipped;
    }

    /// <summary>How many of the backgrounds are photos (the rest are textures).</summary>
    public int Photos => _photos;

    /// <summary>How many backgrounds there are in all.</summary>
    public long Count => _pyramid[0].shape[0];

    /// <summary>Photos that could not be decoded, with the reason.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>
    /// Loads the photos under <paramref name="photoFolder"/> (searched recursively; none when null) and synthesises
    /// textures, all at <paramref name="side"/> x <paramref name="side"/> pixels with <paramref name="channels"/> channels.
    /// Uses torch's global random stream, so a seeded run makes the same textures.
    /// </summary>
    public static BackgroundBank Create(string? photoFolder, int channels, int side)
    {
        (float[] photos, int count, List<string> skipped) = LoadPhotos(photoFolder, channels, side);
        if (photoFolder is not null && count == 0)
            throw new InvalidDataException($"--background-images {photoFolder}: no readable .png/.jpg/.jpeg/.bmp photos in it.");
        using var scope = NewDisposeScope();
        Tensor textures = Textures(TextureCount, channels, side, side);
        Tensor all = count == 0 ? textures : cat([tensor(photos, [count, channels, side, side]), textures], 0);
        Tensor[] pyramid = Antialiasing.Pyramid(all, SmallestLevel);
        foreach (Tensor level in pyramid) level.MoveToOuterDisposeScope();
        return new BackgroundBank(pyramid, count, skipped);
    }

    /// <summary>
    /// <paramref name="count"/> random crops (a third to all of a background's side, anywhere inside it, mirrored
    /// half the time), resized to <paramref name="height"/> x <paramref name="width"/>; photos, when there are
    /// any, make about two thirds of them.
    /// </summary>
    public Tensor Sample(long count, int height, int width, Device device)
    {
        using var scope = NewDisposeScope();
        long total = _pyramid[0].shape[0];
        Tensor pick = _photos == 0
            ? randint(0, total, [count], dtype: int64)
            : where(rand(count) < 0.67, randint(0, _photos, [count], dtype: int64), randint(_photos, total, [count], dtype: int64));
        Tensor side = rand(count, device: device) * 0.67 + 0.33;
        Tensor cx = (rand(count, device: device) * 2 - 1) * (1 - side);
        Tensor cy = (rand(count, device: device) * 2 - 1) * (1 - side);
        Tensor flip = where(rand(count, device: device) < 0.5, -1f, 1f);
        Tensor zero = zeros(count, device: device);
        Tensor theta = stack([side * flip, zero, cx, zero, side, cy], 1).view(count, 2, 3).to(float32);
        Tensor grid = nn.functional.affine_grid(theta, [count, _pyramid[0].shape[1], height, width], align_corners: false);
        // A square crop into the output: its shorter side shrinks most.
        Tensor shrink = side * (_pyramid[0].shape[3] / (double)Math.Min(height, width));
        return Antialiasing.Sample(_pyramid, pick, grid, shrink, GridSamplePaddingMode.Border).MoveToOuterDisposeScope();
    }

    /// <summary>Synthesised backgrounds in unit space: (count, channels, height, width).</summary>
    /// <remarks>
    /// Each kind of texture is made in a dispose scope of its own, so that its temporaries are freed before the next
    /// is made: with one scope for all, the bank's 512 textures at 4 x 128 = 512 pixels a side (a 128x128 input) held
    /// some thirty full-size temporaries at once (about 48 GB by count), and the trainer was killed for memory at
    /// 24 GB. The random draws stay in the order they always had, so a seed makes the same textures as before.
    /// </remarks>
    public static Tensor Textures(int count, int channels, int height, int width)
    {
        using var scope = NewDisposeScope();
        Tensor ys = linspace(-1, 1, height).view(1, 1, height, 1);
        Tensor xs = linspace(-1, 1, width).view(1, 1, 1, width);
        Tensor Uniform(double low, double high) => rand(count, 1, 1, 1) * (high - low) + low;
        Tensor Smooth(int cells) => nn.functional.interpolate(rand(count, channels, cells, cells), [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        // Only what an expression returns outlives it.
        static Tensor Kept(Func<Tensor> make)
        {
            using var inner = NewDisposeScope();
            return make().MoveToOuterDisposeScope();
        }

        // A base level with a slight colour cast per channel (none for grayscale).
        Tensor level = Uniform(0, 1) + (channels == 1 ? zeros(count, 1, 1, 1) : (rand(count, channels, 1, 1) - 0.5) * 0.3);
        Tensor angle = Uniform(0, Math.PI);
        Tensor along = Kept(() => xs * angle.cos() + ys * angle.sin());
        Tensor amplitude = Uniform(0.1, 0.45);

        Tensor flat = level.expand(count, channels, height, width);
        Tensor gradient = Kept(() => level + amplitude * along);
        Tensor blotches = Kept(() => level + amplitude * 2 * (Smooth(4) * 0.5 + Smooth(12) * 0.5 - 0.5));
        Tensor stripes = Kept(() => level + amplitude * (along * Uniform(2, 18) + Uniform(0, 2 * Math.PI)).sin());
        Tensor frequency = Uniform(1, 8) * Math.PI;
        Tensor grid = Kept(() => level + amplitude * ((xs * frequency).sin() * (ys * frequency).sin()).sign());

        Tensor kind = randint(0, 5, [count, 1, 1, 1]);
        Tensor texture = Kept(() => where(kind == 0, flat, where(kind == 1, gradient, where(kind == 2, blotches, where(kind == 3, stripes, grid)))));
        foreach (Tensor made in new[] { along, gradient, blotches, stripes, grid }) made.Dispose();
        // Uneven light and a little grain, as on a real surface.
        Tensor light = Kept(() => 1 + (Smooth(3).mean([1], keepdim: true) - 0.5) * Uniform(0, 0.8));
        Tensor grain = Kept(() => (rand(count, channels, height, width) - 0.5) * Uniform(0, 0.15));
        return texture.mul_(light).add_(grain).clamp_(0, 1).MoveToOuterDisposeScope();
    }

    private static (float[] Pixels, int Count, List<string> Skipped) LoadPhotos(string? folder, int channels, int side)
    {
        if (folder is null) return ([], 0, []);
        string[] files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(ImagePreprocessor.IsImageFile).Order(StringComparer.Ordinal).Take(MaxPhotos).ToArray();
        // The photo's middle, keeping its aspect ratio, at unit scale: the crops come later, per sample.
        PreprocessingSpec spec = PreprocessingSpec.Unit(side, side, channels) with { ResizeMode = ResizeMode.CenterCrop };
        (float[] pixels, bool[] kept, List<string> skipped) = ImageFolder.PrepareFiles(files, spec);
        return (pixels, kept.Count(k => k), skipped);
    }

    public void Dispose()
    {
        foreach (Tensor level in _pyramid) level.Dispose();
    }
}
