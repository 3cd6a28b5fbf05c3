using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using TorchSharp;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public class AugmenterTests
{
    private static readonly PreprocessingSpec Spec = PreprocessingSpec.Unit(16, 16, 1) with { Mean = [0.5f], Std = [0.5f] };

    [Fact]
    public void Shifts_and_flips_move_whole_pixels_and_fill_the_border_with_black()
    {
        torch.manual_seed(3);
        using var batch = torch.rand(8, 1, 16, 16) * 2 - 1;
        var augmenter = new Augmenter(new AugmentationOptions { Shift = 0.25, Flip = true }, Spec);
        using var augmented = augmenter.Apply(batch);

        Assert.Equal(batch.shape, augmented.shape);
        Assert.False(augmented.eq(batch).all().item<bool>(), "nothing changed");
        float black = -0.5f / 0.5f;
        for (int i = 0; i < 8; i++)
        {
            var source = batch[i].data<float>().ToHashSet();
            // Every output pixel is an input pixel of the same image or black: nothing is blurred.
            Assert.All(augmented[i].data<float>().ToArray(), v => Assert.True(source.Contains(v) || v == black, $"{v} is new"));
        }
    }

    [Fact]
    public void Random_erasing_blanks_one_rectangle_and_leaves_the_rest()
    {
        torch.manual_seed(5);
        using var batch = torch.ones(6, 1, 16, 16);
        var augmenter = new Augmenter(AugmentationOptions.None with { Erase = 1.0 }, Spec);
        using var augmented = augmenter.Apply(batch);
        for (int i = 0; i < 6; i++)
        {
            float[] pixels = augmented[i].data<float>().ToArray();
            int erased = pixels.Count(v => v == 0f);
            Assert.InRange(erased, 1, (int)(0.25 * 256) + 16);
            Assert.Equal(256 - erased, pixels.Count(v => v == 1f));
        }
    }

    [Fact]
    public void No_augmentation_returns_the_batch_unchanged()
    {
        using var batch = torch.rand(2, 1, 16, 16);
        using var same = new Augmenter(AugmentationOptions.None, Spec).Apply(batch);
        Assert.True(same.eq(batch).all().item<bool>());
    }
}
