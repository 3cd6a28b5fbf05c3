using EdgeCnn.Trainer.Scene;
using EdgeCnn.Vision;
using TorchSharp;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public class SceneComposerTests
{
    private static readonly PreprocessingSpec Spec = PreprocessingSpec.Unit(28, 28, 1) with { Mean = [0.5f], Std = [0.5f] };

    private static SceneComposer Composer(BackgroundBank bank, double minScale = 0.33) =>
        new(new SceneOptions { MinScale = minScale, MaxScale = 1, Rotate = 30, Overhang = 0, Occlusion = 0 }, Spec, bank, backgroundClass: 3, maskItems: true);

    [Fact]
    public void Items_land_inside_the_frame_with_their_labels_and_empty_scenes_get_the_background_class()
    {
        torch.manual_seed(11);
        using BackgroundBank bank = BackgroundBank.Create(null, 1, 96);
        // White items (a filled square in the middle) on black, normalised: they are cut out by their own pixels.
        using var items = torch.full(64, 1, 28, 28, -1f);
        items[.., .., 8..20, 8..20] = torch.tensor(1f);
        using var labels = torch.arange(64, dtype: torch.int64) % 3;

        using SceneComposer.Batch batch = Composer(bank).Compose(items, labels, null, emptyShare: 0.25, cleanShare: 0.25, photometric: false);
        // The same draws with black items: the same backgrounds and places, no item. Where the two differ is the item.
        torch.manual_seed(11);
        using BackgroundBank sameBank = BackgroundBank.Create(null, 1, 96);
        using var blank = torch.full(64, 1, 28, 28, -1f);
        using SceneComposer.Batch without = Composer(sameBank).Compose(blank, labels, null, emptyShare: 0.25, cleanShare: 0.25, photometric: false);

        long[] kind = batch.Kind.data<long>().ToArray();
        long[] outLabels = batch.Labels.data<long>().ToArray();
        long[] inLabels = labels.data<long>().ToArray();
        float[] boxes = batch.Boxes.data<float>().ToArray();
        int visible = 0;
        Assert.Contains(0L, kind);
        Assert.Contains(1L, kind);
        Assert.Contains(2L, kind);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(kind[i] == 2 ? 3L : inLabels[i], outLabels[i]);
            if (kind[i] != 1) continue;
            // The rotated item's bounding box lies within the frame ([-1, 1] both ways), so nothing of it is cut off...
            Assert.All(boxes.Skip(4 * i).Take(4), v => Assert.InRange(v, -1.0001f, 1.0001f));
            // ...and its pixels: every white pixel of the composed image lies inside that box.
            using var difference = (batch.Images[i, 0] - without.Images[i, 0]).abs();
            float[] pixels = difference.data<float>().ToArray();
            if (pixels.Max() > 0.1f) visible++;
            for (int p = 0; p < pixels.Length; p++)
            {
                if (pixels[p] < 1e-3f) continue;
                float x = ((p % 28) + 0.5f) / 14 - 1, y = ((p / 28) + 0.5f) / 14 - 1;
                Assert.InRange(x, boxes[4 * i] - 0.08f, boxes[4 * i + 2] + 0.08f);
                Assert.InRange(y, boxes[4 * i + 1] - 0.08f, boxes[4 * i + 3] + 0.08f);
            }
        }
        // A white item can vanish on a white patch of background, but not often.
        Assert.True(visible >= 0.8 * kind.Count(k => k == 1), $"only {visible} of {kind.Count(k => k == 1)} items stand out from their scene");
        // Clean images are the input, untouched.
        for (int i = 0; i < 64; i++)
        {
            if (kind[i] == 0) Assert.True(batch.Images[i].allclose(items[i]), $"clean image {i} changed");
        }
    }

    [Fact]
    public void Items_are_scaled_down_to_the_smallest_scale_and_no_further()
    {
        torch.manual_seed(12);
        using BackgroundBank bank = BackgroundBank.Create(null, 1, 96);
        using var items = torch.ones(200, 1, 28, 28);
        using var labels = torch.zeros(200, dtype: torch.int64);
        using SceneComposer.Batch batch = Composer(bank, minScale: 0.5).Compose(items, labels, null, emptyShare: 0, cleanShare: 0, photometric: false);
        using var boxes = batch.Boxes;
        using var width = boxes[.., 2] - boxes[.., 0];
        // A bounding box is at least the item's side (2 * scale / aspect jitter) and never more than the frame.
        Assert.True(width.min().item<float>() >= 2 * 0.5f / 1.3f - 1e-4f, $"smallest box {width.min().item<float>()}");
        Assert.True(width.max().item<float>() <= 2.0001f);
    }

    [Fact]
    public void Photos_in_the_background_folder_are_loaded_and_unreadable_ones_named()
    {
        using var folder = new TempFolder();
        using (var photo = new OpenCvSharp.Mat(60, 80, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(200)))
            OpenCvSharp.Cv2.ImWrite(folder["desk.png"], photo);
        File.WriteAllText(folder["broken.jpg"], "not a jpeg");
        torch.manual_seed(1);
        using BackgroundBank bank = BackgroundBank.Create(folder.Path, 1, 64);
        Assert.Equal(1, bank.Photos);
        Assert.Contains(bank.Skipped, s => s.Contains("broken.jpg"));
        using var crops = bank.Sample(8, 28, 28, torch.CPU);
        Assert.Equal([8L, 1, 28, 28], crops.shape);
    }
}
