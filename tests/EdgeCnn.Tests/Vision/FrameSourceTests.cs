using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Tests.Vision;

public sealed class FrameSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteVideo(int frames)
    {
        string path = _folder["clip.mp4"];
        using var ffmpeg = System.Diagnostics.Process.Start("ffmpeg",
            ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-frames:v", $"{frames}", "-pix_fmt", "yuv420p", path])!;
        ffmpeg.WaitForExit();
        Assert.Equal(0, ffmpeg.ExitCode);
        return path;
    }

    [Fact]
    public void A_video_file_gives_each_frame_once_then_ends()
    {
        using var source = VideoCaptureSource.OpenFile(WriteVideo(12), loop: false);
        using var frame = new Mat();
        int frames = 0;
        while (source.TryRead(frame))
        {
            frames++;
            Assert.Equal(new Size(160, 120), frame.Size());
        }
        Assert.Equal(12, frames);
        Assert.Contains("no more frames", source.LastProblem);
    }

    /// <summary>Mean absolute difference between a gray frame and the gray of a BGR frame, in levels.</summary>
    internal static double GrayDifference(Mat gray, Mat bgr)
    {
        using var reference = new Mat();
        Cv2.CvtColor(bgr, reference, ColorConversionCodes.BGR2GRAY);
        using var difference = new Mat();
        Cv2.Absdiff(gray, reference, difference);
        return Cv2.Mean(difference).Val0;
    }

    [Theory]
    [InlineData("h264")]
    [InlineData("mjpeg")]
    public void A_video_file_asked_for_gray_gives_the_luma_plane_as_gray_as_its_bgr_frames_are(string codec)
    {
        // H.264 is video range (16..235), Motion JPEG full range (0..255): both must come out as their BGR's gray.
        string clip = _folder[$"clip-{codec}.{(codec == "mjpeg" ? "avi" : "mp4")}"];
        using (var ffmpeg = System.Diagnostics.Process.Start("ffmpeg",
            ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-frames:v", "12", "-c:v", codec, "-pix_fmt", codec == "mjpeg" ? "yuvj420p" : "yuv420p", clip])!)
        {
            ffmpeg.WaitForExit();
            Assert.Equal(0, ffmpeg.ExitCode);
        }
        using var bgrSource = VideoCaptureSource.OpenFile(clip, loop: false);
        using var graySource = VideoCaptureSource.OpenFile(clip, loop: true);
        Assert.True(graySource.DeliverGray(true));
        using Mat bgr = new(), gray = new();
        for (int i = 0; i < 12; i++)
        {
            Assert.True(bgrSource.TryRead(bgr) && graySource.TryRead(gray), $"frame {i}");
            Assert.Equal(MatType.CV_8UC1, gray.Type());
            Assert.Equal(bgr.Size(), gray.Size());
            double difference = GrayDifference(gray, bgr);
            Assert.True(difference < 2, $"frame {i}: gray differs from BGR's gray by {difference:F2} levels on average");
        }
        // FFMPEG cannot go back to converting mid-stream: the source says so, and the caller reopens it.
        Assert.False(graySource.DeliverGray(false));
        Assert.True(graySource.TryRead(gray));
        Assert.Equal(MatType.CV_8UC1, gray.Type());
    }

    [Fact]
    public void A_looped_video_file_starts_again_at_the_end()
    {
        using var source = VideoCaptureSource.OpenFile(WriteVideo(12), loop: true);
        using var frame = new Mat();
        for (int i = 0; i < 30; i++) Assert.True(source.TryRead(frame), $"frame {i}: {source.LastProblem}");
    }

    [Fact]
    public void Missing_or_unreadable_video_files_are_named()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => VideoCaptureSource.OpenFile(_folder["nope.mp4"], loop: false));
        Assert.Contains("nope.mp4", missing.Message);
        File.WriteAllText(_folder["text.mp4"], "not a video");
        var unreadable = Assert.Throws<InvalidOperationException>(() => VideoCaptureSource.OpenFile(_folder["text.mp4"], loop: false));
        Assert.Contains("text.mp4", unreadable.Message);
    }

    [Fact]
    public void An_image_folder_is_read_in_name_order_skipping_unreadable_files_and_can_loop()
    {
        string folder = _folder["frames"];
        Directory.CreateDirectory(folder);
        for (int i = 0; i < 3; i++)
        {
            using var image = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(i * 100));
            Cv2.ImWrite(Path.Combine(folder, $"frame-{i}.png"), image);
        }
        File.WriteAllText(Path.Combine(folder, "frame-1b.png"), "corrupt");

        using var source = new ImageFolderSource(folder, loop: true);
        using var frame = new Mat();
        var seen = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            Assert.True(source.TryRead(frame));
            seen.Add(frame.Mean().Val0);
        }
        Assert.Equal([0.0, 100, 200, 0, 100, 200], seen);
        Assert.Equal(2, source.Skipped);

        using var once = new ImageFolderSource(folder, loop: false);
        for (int i = 0; i < 3; i++) Assert.True(once.TryRead(frame));
        Assert.False(once.TryRead(frame));
        Assert.Contains("1 unreadable skipped", once.LastProblem);
    }
}
