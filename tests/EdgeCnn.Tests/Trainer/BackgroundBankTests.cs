using EdgeCnn.Trainer.Scene;
using TorchSharp;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public class BackgroundBankTests
{
    // Figures of the textures that seed 5 made before their synthesis was split into scopes to save memory: the
    // shipped models were trained on textures made that way, and their reproduce commands rely on a seed making the
    // same ones. A change in the order of the random draws changes every texture, and these figures with it.
    [Fact]
    public void A_seed_makes_the_textures_it_made_before()
    {
        torch.manual_seed(5);
        using torch.Tensor textures = BackgroundBank.Textures(40, 3, 96, 80);
        using torch.Tensor values = textures.to(torch.float64);

        Assert.Equal(new long[] { 40, 3, 96, 80 }, textures.shape);
        Assert.Equal(483267.0354306387, values.sum().item<double>(), 483267.0354306387 * 1e-6);
        Assert.Equal(356084.57768730854, (values * values).sum().item<double>(), 356084.57768730854 * 1e-6);
        Assert.Equal(0.8158451914787292, values[7, 1, 33, 41].item<double>(), 1e-5);
        Assert.InRange(values.min().item<double>(), 0, 1);
        Assert.InRange(values.max().item<double>(), 0, 1);
    }
}
