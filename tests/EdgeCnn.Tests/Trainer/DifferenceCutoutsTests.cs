using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Tests.Trainer;

/// <summary>
/// Captured frames of a camera that stays put: the object is where a frame differs from the nearest empty frame, its
/// light matched. Frames here are a blotchy "garden", the object a red disc, the light different in every frame.
/// </summary>
public sealed class DifferenceCutoutsTests : IDisposable
{
    private static readonly PreprocessingSpec Spec = PreprocessingSpec.Unit(32, 32, 3);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Mat Garden(int view)
    {
        // The same view is the same garden in every frame (OpenCV's own random stream would differ per call).
        var random = new Random(view);
        byte[] values = [.. Enumerable.Range(0, 6 * 8 * 3).Select(_ => (byte)random.Next(40 + 20 * view, 160))];
        using var cells = Mat.FromPixelData(6, 8, MatType.CV_8UC3, values);
        var garden = new Mat();
        Cv2.Resize(cells, garden, new Size(320, 240), 0, 0, InterpolationFlags.Cubic);
        return garden;
    }

    // A frame of view V at light L, with a red disc at (x, y) when r > 0, and a little sensor noise.
    private string Frame(string name, int view, double light, int x = 0, int y = 0, int r = 0)
    {
        using Mat frame = Garden(view);
        if (r > 0) Cv2.Circle(frame, new Point(x, y), r, new Scalar(30, 30, 220), -1);
        frame.ConvertTo(frame, MatType.CV_8UC3, light);
        using var noise = new Mat(frame.Size(), MatType.CV_16SC3);
        Cv2.Randn(noise, Scalar.All(0), Scalar.All(3));
        Cv2.Add(frame, noise, frame, null, MatType.CV_8UC3.Value);
        string path = _folder[name];
        Cv2.ImWrite(path, frame);
        return path;
    }

    [Fact]
    public void The_object_is_cut_out_of_its_frame_by_its_difference_from_the_nearest_empty_frame_whatever_the_light()
    {
        string[] files =
        [
            Frame("empty-a.png", view: 1, light: 1.0), Frame("empty-b.png", view: 2, light: 0.8),
            Frame("disc-a.png", view: 1, light: 0.85, x: 80, y: 150, r: 30), Frame("disc-b.png", view: 2, light: 1.1, x: 250, y: 60, r: 20),
            Frame("nothing.png", view: 1, light: 0.9),
        ];
        (float[] pixels, _, _) = ImageFolder.PrepareFiles(files, Spec);
        var set = new ImageSet(pixels, [0, 0, 1, 1, 1], ["background", "disc"], Spec, files: files);

        ImageSet? cut = DifferenceCutouts.Make(set, backgroundIndex: 0, out string made);

        Assert.NotNull(cut);
        Assert.Equal("2 of 3 object frames cut out by their difference from the nearest of 2 empty-scene frames", made);
        Assert.Equal([files[2] + "#cut-out", files[3] + "#cut-out"], cut.Files);
        Assert.All(cut.Labels, label => Assert.Equal(1L, label));
        const int plane = 32 * 32;
        for (int i = 0; i < 2; i++)
        {
            float[] alpha = cut.Alpha!.AsSpan(i * plane, plane).ToArray();
            // The disc, trimmed and centred: opaque in the middle and touching the sides, transparent in the corners.
            Assert.True(alpha[16 * 32 + 16] > 0.95f, $"cut-out {i}: middle {alpha[16 * 32 + 16]}");
            Assert.True(alpha[16 * 32 + 1] > 0.5f && alpha[1 * 32 + 16] > 0.5f, $"cut-out {i}: the disc should fill its square");
            Assert.True(alpha[0] < 0.05f && alpha[plane - 1] < 0.05f, $"cut-out {i}: corners {alpha[0]}, {alpha[plane - 1]}");
            // Its colour is the disc's red (RGB planes at unit scale).
            float red = cut.Pixels[i * 3 * plane + 16 * 32 + 16], green = cut.Pixels[i * 3 * plane + plane + 16 * 32 + 16];
            Assert.True(red > 0.6f && green < 0.3f, $"cut-out {i}: red {red}, green {green}");
        }
    }

    [Fact]
    public void Without_frames_of_the_empty_scene_there_is_nothing_to_cut_from()
    {
        string[] files = [Frame("disc.png", view: 1, light: 1, x: 100, y: 100, r: 25), Frame("other.png", view: 2, light: 1, x: 100, y: 100, r: 25)];
        (float[] pixels, _, _) = ImageFolder.PrepareFiles(files, Spec);
        var set = new ImageSet(pixels, [1, 1], ["background", "disc"], Spec, files: files);
        Assert.Null(DifferenceCutouts.Make(set, backgroundIndex: 0, out string made));
        Assert.Contains("needs frames of the empty scene", made);
    }
}
