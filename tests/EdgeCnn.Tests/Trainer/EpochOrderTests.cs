using EdgeCnn.Trainer.Training;
using TorchSharp;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public class EpochOrderTests
{
    // 30 images of class 0, 60 of class 1 and 10 of class 2: the garden's uneven classes, more so.
    private static readonly long[] Uneven = [.. Enumerable.Repeat(0L, 30), .. Enumerable.Repeat(1L, 60), .. Enumerable.Repeat(2L, 10)];

    [Fact]
    public void Without_balance_an_epoch_visits_every_image_once()
    {
        torch.manual_seed(1);
        using var labels = torch.tensor(Uneven);
        using var order = EpochOrder.Draw(labels, balance: false);
        Assert.Equal(Enumerable.Range(0, Uneven.Length).Select(i => (long)i), order.data<long>().ToArray().Order());
    }

    [Fact]
    public void Balanced_draws_every_class_about_equally_often_and_repeats_the_small_one()
    {
        torch.manual_seed(1);
        using var labels = torch.tensor(Uneven);
        var perClass = new long[3];
        const int epochs = 40;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var order = EpochOrder.Draw(labels, balance: true);
            Assert.Equal(Uneven.Length, order.shape[0]);
            foreach (long index in order.data<long>().ToArray()) perClass[Uneven[index]]++;
        }
        double expected = epochs * Uneven.Length / 3.0;
        // Unbalanced, the shares would be 30, 60 and 10 %; balanced, each is a third (within a few per cent over 4,000 draws).
        Assert.All(perClass, n => Assert.InRange(n, expected * 0.93, expected * 1.07));
    }

    [Fact]
    public void A_class_number_without_images_does_not_upset_the_balance()
    {
        torch.manual_seed(2);
        // Class 1 has no images (as the background class of a scene run, whose empty frames are made, not loaded).
        long[] gap = [0, 0, 0, 0, 2];
        using var labels = torch.tensor(gap);
        long twos = 0;
        const int epochs = 400;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var order = EpochOrder.Draw(labels, balance: true);
            twos += order.data<long>().ToArray().Count(i => gap[i] == 2);
        }
        // One image of class 2 against four of class 0, drawn half of the time all the same.
        Assert.InRange(twos, epochs * gap.Length * 0.45, epochs * gap.Length * 0.55);
    }
}
