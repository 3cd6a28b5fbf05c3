using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// Warping that shrinks without aliasing. <c>grid_sample</c> reads 2x2 source pixels per output pixel, so shrinking
/// a photo or an item by more than that skips pixels: fine grass turns to glitter and a small animal's outline to
/// stairs, while the device shrinks its camera frame by averaging (<c>INTER_AREA</c>, the interpolation every model
/// the trainer exports asks for) and sees neither. Each image is read from the level of its pyramid (level 0 the
/// image, each next one half the size, 2x2 averaged) that has at most one pixel per output pixel: the nearest
/// coarser mipmap level.
/// </summary>
internal static class Antialiasing
{
    /// <summary>
    /// The image pyramid of (N, C, H, W) <paramref name="images"/>, halved while the smaller side stays at least
    /// <paramref name="smallestSide"/>. Level 0 is an alias of <paramref name="images"/>: dispose every level, and
    /// the images stay for their owner to dispose.
    /// </summary>
    public static Tensor[] Pyramid(Tensor images, int smallestSide)
    {
        var pyramid = new List<Tensor> { images.alias() };
        for (Tensor level = pyramid[0]; Math.Min(level.shape[2], level.shape[3]) >= 2 * smallestSide; level = pyramid[^1])
        {
            // Odd sides round up: the grid's [-1, 1] spans the whole image at every level, so no pixel may be dropped.
            long[] half = [(level.shape[2] + 1) / 2, (level.shape[3] + 1) / 2];
            pyramid.Add(nn.functional.adaptive_avg_pool2d(level, half));
        }
        return [.. pyramid];
    }

    /// <summary>
    /// <c>grid_sample</c> of each output image from its pyramid level: the first at which <paramref name="shrink"/>
    /// (per output image, level-0 source pixels per output pixel, along the side that shrinks most) is at most 1,
    /// or the coarsest.
    /// </summary>
    /// <param name="pyramid">From <see cref="Pyramid"/>.</param>
    /// <param name="pick">Which source image each output image reads (an index into the pyramid's first dimension),
    /// or null when output image i reads source image i.</param>
    /// <param name="grid">(N, H, W, 2) sampling points, as <c>affine_grid</c> makes them: the same at every level.</param>
    public static Tensor Sample(IReadOnlyList<Tensor> pyramid, Tensor? pick, Tensor grid, Tensor shrink, GridSamplePaddingMode padding)
    {
        using var scope = NewDisposeScope();
        Device device = grid.device;
        long n = grid.shape[0];
        Tensor level = shrink.log2().ceil().clamp(0, pyramid.Count - 1).to(int64).to(device);
        Tensor result = zeros([n, pyramid[0].shape[1], grid.shape[1], grid.shape[2]], dtype: pyramid[0].dtype, device: device);
        for (int l = 0; l < pyramid.Count; l++)
        {
            Tensor members = (level == l).nonzero().squeeze(1);
            if (members.shape[0] == 0) continue;
            // The sources are picked where the pyramid lives (the bank stays on the CPU), then moved once.
            Device home = pyramid[l].device;
            Tensor sources = pick is null ? members.to(home) : pick.to(home).index_select(0, members.to(home));
            Tensor source = pyramid[l].index_select(0, sources).to(device);
            result.index_copy_(0, members, nn.functional.grid_sample(source, grid.index_select(0, members), GridSampleMode.Bilinear, padding, align_corners: false));
        }
        return result.MoveToOuterDisposeScope();
    }
}
