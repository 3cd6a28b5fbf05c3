using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Scene;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using OpenCvSharp;
using TorchSharp;
using Scalar = OpenCvSharp.Scalar;

namespace EdgeCnn.Tests.Trainer;

/// <summary>
/// The data users bring besides IDX items: cut-outs (PNGs whose alpha channel is the item's mask), pasted by that
/// mask; and captured frames (the item already in its scene), augmented as frames and never pasted as a picture in a
/// picture. Also the scene clip made from cut-outs, which plays a camera for the garden and the user's journey.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CutoutSceneTests : IDisposable
{
    private static readonly PreprocessingSpec Colour = PreprocessingSpec.Unit(32, 32, 3) with { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // A red disc, opaque, in the middle of a wide transparent canvas whose hidden pixels are bright green.
    private string DiscCutout(string name)
    {
        using var image = new Mat(60, 120, MatType.CV_8UC4, new Scalar(0, 255, 0, 0));
        Cv2.Circle(image, new Point(60, 30), 20, new Scalar(0, 0, 255, 255), -1);
        string path = _folder[name];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Cv2.ImWrite(path, image);
        return path;
    }

    private string Frame(string name, Scalar colour)
    {
        using var image = new Mat(48, 64, MatType.CV_8UC3, colour);
        string path = _folder[name];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Cv2.ImWrite(path, image);
        return path;
    }

    [Fact]
    public void A_cut_out_is_trimmed_to_its_item_and_keeps_its_shape_and_mask_while_a_photo_has_none()
    {
        string disc = DiscCutout("disc.png");
        string photo = Frame("photo.jpg", new Scalar(200, 100, 50));
        (float[] pixels, bool[] kept, List<string> skipped, float[]? alpha) = ImageFolder.PrepareCutouts([disc, photo], Colour);

        Assert.All(kept, Assert.True);
        Assert.Empty(skipped);
        Assert.NotNull(alpha);
        const int plane = 32 * 32;
        // The disc fills its trimmed square: opaque in the middle, transparent in the corners, round, not stretched.
        Assert.True(alpha[16 * 32 + 16] > 0.99f);
        Assert.True(alpha[0] < 0.01f && alpha[31] < 0.01f && alpha[31 * 32] < 0.01f);
        Assert.True(alpha[16 * 32 + 1] > 0.5f && alpha[1 * 32 + 16] > 0.5f, "the disc should touch all four sides of its square");
        // The colour under the mask is red (RGB planes), and the hidden green never bleeds into the item's edge.
        float Red(int i) => pixels[i] * 0.5f + 0.5f;
        float Green(int i) => pixels[plane + i] * 0.5f + 0.5f;
        Assert.True(Red(16 * 32 + 16) > 0.95f);
        for (int i = 0; i < plane; i++) Assert.True(Green(i) < 0.05f, $"green leaked at pixel {i}: {Green(i)}");
        // The photo is opaque everywhere.
        Assert.All(alpha.AsSpan(plane, plane).ToArray(), a => Assert.Equal(1f, a));
    }

    [Fact]
    public void Folders_without_transparency_load_without_an_alpha_plane()
    {
        string a = Frame("a.jpg", Scalar.All(90)), b = Frame("b.png", Scalar.All(180));
        (_, _, _, float[]? alpha) = ImageFolder.PrepareCutouts([a, b], Colour);
        Assert.Null(alpha);
    }

    [Fact]
    public void A_cut_out_is_pasted_by_its_alpha_and_a_captured_frame_is_never_pasted_onto_another_background()
    {
        torch.manual_seed(5);
        using BackgroundBank bank = BackgroundBank.Create(null, 3, 64);
        var composer = new SceneComposer(new SceneOptions { MinScale = 0.5, MaxScale = 0.9, Occlusion = 0, Overhang = 0 }, Colour, bank, backgroundClass: 2, maskItems: false);
        const int n = 40;
        // Every image is pure white (normalised 1); the first half are cut-outs (a centred opaque square), the rest frames.
        using var images = torch.ones(n, 3, 32, 32);
        using var alpha = torch.ones(n, 1, 32, 32);
        alpha[..(n / 2)] = torch.tensor(0f);
        alpha[..(n / 2), .., 8..24, 8..24] = torch.tensor(1f);
        using var labels = torch.zeros(n, dtype: torch.int64);
        using SceneComposer.Batch batch = composer.Compose(images, labels, alpha, emptyShare: 0, cleanShare: 0, photometric: false);

        long[] kind = batch.Kind.data<long>().ToArray();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(i < n / 2 ? 1L : 3L, kind[i]);
            using var unit = batch.Images[i] * 0.5 + 0.5;
            float white = (unit > 0.99).to(torch.float32).mean().item<float>();
            // A pasted square covers a quarter of its placed box or more, never the whole frame; a white frame stays
            // all white, however it is cropped, zoomed or mirrored: nothing of another background shows.
            if (i < n / 2) Assert.InRange(white, 0.03f, 0.95f);
            else Assert.Equal(1f, white, 3);
        }
    }

    [Fact]
    public void A_shifted_frame_stays_a_frame_when_the_set_also_holds_cut_outs()
    {
        // With cut-outs in the set every image carries an opacity plane; a frame's is all ones. The item shift must not
        // make its uncovered border transparent, or the frame would be pasted onto a background as a rectangle.
        torch.manual_seed(7);
        using BackgroundBank bank = BackgroundBank.Create(null, 3, 64);
        var composer = new SceneComposer(new SceneOptions { Occlusion = 0 }, Colour, bank, backgroundClass: 2, maskItems: false);
        var augmenter = new Augmenter(new AugmentationOptions { Shift = 0.25, Flip = false }, Colour, composer);
        const int n = 32;
        using var frames = torch.ones(n, 3, 32, 32);
        using var opaque = torch.ones(n, 1, 32, 32);
        using var labels = torch.zeros(n, dtype: torch.int64);
        using var scope = torch.NewDisposeScope();
        (torch.Tensor images, _) = augmenter.Apply(frames, labels, opaque);
        // Scene photometry changes the levels, but a frame holds only its own white and the shift's black border,
        // never a background's greys and colours; lay them over one another as a brightness-free test: the frame's
        // pixels sort into two groups, one for each level, with few between (the seam).
        using var unit = images * 0.5 + 0.5;
        int mixed = 0;
        for (int i = 0; i < n; i++)
        {
            using var level = unit[i].mean([0]);
            float high = level.max().item<float>(), low = level.min().item<float>();
            using var between = ((level > low + 0.15 * (high - low)) & (level < high - 0.15 * (high - low))).to(torch.float32).mean();
            if (between.item<float>() > 0.25f) mixed++;
        }
        // Blur and noise mix a few frames (5 of 32 here); pasting mixes most (19 of 32 before the fix).
        Assert.True(mixed <= 10, $"{mixed} of {n} frames show another background's levels: they were pasted, not framed");
    }

    [Fact]
    public void Images_of_the_background_class_stay_background_and_are_not_pasted()
    {
        torch.manual_seed(6);
        using BackgroundBank bank = BackgroundBank.Create(null, 3, 64);
        var composer = new SceneComposer(new SceneOptions(), Colour, bank, backgroundClass: 1, maskItems: false);
        using var images = torch.zeros(30, 3, 32, 32);
        using var alpha = torch.zeros(30, 1, 32, 32);
        using var labels = torch.ones(30, dtype: torch.int64);
        using SceneComposer.Batch batch = composer.Compose(images, labels, alpha, emptyShare: 0.5, cleanShare: 0, photometric: true);
        Assert.All(batch.Labels.data<long>().ToArray(), l => Assert.Equal(1L, l));
        Assert.DoesNotContain(1L, batch.Kind.data<long>().ToArray());
    }

    [Fact]
    public void A_clip_of_cut_outs_shows_each_class_in_turn_and_one_of_the_empty_scene_only_empty_stretches()
    {
        DiscCutout("items/ball/red.png");
        DiscCutout("items/bird/robin.png");
        string clip = _folder["clip.mp4"], empty = _folder["empty.mp4"];
        var settings = new SceneClip.Settings { Data = _folder["items"], PerClass = 3, Seconds = 0.4, EmptySeconds = 0.2, Fps = 10, Width = 160, Height = 120,
            Edge = 0.5, Occlusion = 0.5, MinLight = 0.4, MaxLight = 1.1, Seed = 3 };
        var log = new List<string>();
        SceneClip.Write(settings, clip, log.Add);
        string[] truth = File.ReadAllLines(_folder["clip.truth.csv"]);
        Assert.Equal("first_frame,last_frame,label", truth[0]);
        string[] labels = [.. truth.Skip(1).Select(line => line.Split(',')[2])];
        Assert.Equal(["background", "ball", "background", "bird", "background", "ball", "background", "bird", "background", "ball", "background", "bird", "background"], labels);
        using (var capture = new VideoCapture(clip)) Assert.Equal(3 * 2 * (4 + 2) + 2, capture.Get(VideoCaptureProperties.FrameCount));

        SceneClip.Write(settings with { Only = "background", PerClass = 4 }, empty, log.Add);
        Assert.All(File.ReadAllLines(_folder["empty.truth.csv"]).Skip(1), line => Assert.EndsWith(",background", line));
        var wrong = Assert.Throws<ArgumentException>(() => SceneClip.Write(settings with { Only = "cat" }, empty, log.Add));
        Assert.Contains("--only cat", wrong.Message);
    }

    [Fact]
    public void A_clip_refuses_an_item_without_transparency_and_names_it()
    {
        Frame("items/ball/photo.png", Scalar.All(100));
        DiscCutout("items/bird/robin.png");
        var e = Assert.Throws<InvalidDataException>(() => SceneClip.Write(new SceneClip.Settings { Data = _folder["items"], PerClass = 1, Width = 64, Height = 48 }, _folder["c.mp4"], _ => { }));
        Assert.Contains("photo.png", e.Message);
        Assert.Contains("alpha", e.Message);
    }
}
