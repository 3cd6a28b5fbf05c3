using EdgeCnn.Trainer.Scene;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public class AntialiasingTests
{
    // Vertical stripes, 'width' pixels black then 'width' white, across a 64x64 image.
    private static Tensor Stripes(int width) => (arange(64).floor_divide(width) % 2).to(float32).view(1, 1, 1, 64).expand(1, 1, 64, 64).contiguous();

    // An affine_grid that shows 0.9 of the image (a little off centre) in an output of 'side' pixels.
    private static Tensor Grid(int side) =>
        nn.functional.affine_grid(tensor(new float[] { 0.9f, 0, 0.03f, 0, 0.9f, 0 }).view(1, 2, 3), [1, 1, side, side], align_corners: false);

    private static (float Mean, float Std, float PlainStd) Shrunk(int stripeWidth, int side)
    {
        using var scope = NewDisposeScope();
        Tensor image = Stripes(stripeWidth);
        Tensor grid = Grid(side);
        Tensor shrink = tensor(new float[] { 0.9f * 64 / side });
        Tensor[] pyramid = Antialiasing.Pyramid(image, 4);
        Tensor averaged = Antialiasing.Sample(pyramid, null, grid, shrink, GridSamplePaddingMode.Border);
        Tensor plain = nn.functional.grid_sample(image, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        Assert.Equal([1L, 1, side, side], averaged.shape);
        return (averaged.mean().item<float>(), averaged.std().item<float>(), plain.std().item<float>());
    }

    [Fact]
    public void Shrinking_a_fine_texture_averages_it_as_the_device_does_instead_of_aliasing_it()
    {
        // Columns of one pixel shrunk to a quarter: averaged (as OpenCV's INTER_AREA does on the device) they are an
        // even gray; read by plain bilinear sampling, the glitter the network used to train on, they beat into stripes.
        (float mean, float std, float plainStd) = Shrunk(stripeWidth: 1, side: 16);
        Assert.InRange(mean, 0.45f, 0.55f);
        Assert.True(std < 0.03f, $"antialiased std {std}");
        Assert.True(plainStd > 0.15f, $"plain bilinear std {plainStd}");
    }

    [Fact]
    public void The_level_read_is_the_first_with_at_most_one_pixel_per_output_pixel()
    {
        // Stripes two pixels wide shrunk 3.6 times: the half-size level still holds them (one pixel each), so reading
        // it would alias them; only the quarter-size level, the first with at most one pixel per output pixel, is even.
        (float mean, float std, _) = Shrunk(stripeWidth: 2, side: 16);
        Assert.InRange(mean, 0.45f, 0.55f);
        Assert.True(std < 0.03f, $"std {std}: read from a level that is too fine");
    }

    [Fact]
    public void Nothing_that_does_not_shrink_is_blurred()
    {
        // At 0.9 of the image onto 64 pixels (an enlargement), the image itself is read: exactly plain grid_sample.
        using var scope = NewDisposeScope();
        Tensor image = rand(3, 2, 64, 64);
        Tensor grid = Grid(64).expand(3, 64, 64, 2).contiguous();
        Tensor[] pyramid = Antialiasing.Pyramid(image, 4);
        Tensor sampled = Antialiasing.Sample(pyramid, null, grid, tensor(new float[] { 0.9f, 1f, 0.5f }), GridSamplePaddingMode.Zeros);
        Tensor plain = nn.functional.grid_sample(image, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        Assert.True(sampled.allclose(plain), "an image that is not shrunk was read from a coarser level");
        // The pyramid halves down to the smallest side asked for, odd sides rounding up: 64, 32, 16, 8, 4.
        Assert.Equal([64L, 32, 16, 8, 4], pyramid.Select(level => level.shape[3]));
    }
}
