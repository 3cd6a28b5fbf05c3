using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Tests.Vision;

/// <summary>The rpicam-vid pipe reader, fed by ffmpeg writing the same raw I420 format.</summary>
public sealed class RawYuvPipeSourceTests : IDisposable
{
    private const int Width = 320, Height = 240;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string[] Ffmpeg(int frames, string pixelFormat, string output = "-") =>
        ["-loglevel", "error", "-f", "lavfi", "-i", $"testsrc=size={Width}x{Height}:rate=10", "-frames:v", $"{frames}",
         "-pix_fmt", pixelFormat, "-f", "rawvideo", output];

    [Fact]
    public void Reads_every_frame_of_an_ffmpeg_stream_then_reports_its_end()
    {
        using var source = new RawYuvPipeSource("ffmpeg", Ffmpeg(5, "yuv420p"), Width, Height);
        using var frame = new Mat();
        int frames = 0;
        while (source.TryRead(frame))
        {
            frames++;
            Assert.Equal(new Size(Width, Height), frame.Size());
            Assert.Equal(MatType.CV_8UC3, frame.Type());
        }
        Assert.Equal(5, frames);
        Assert.Contains("exited with code 0", source.LastProblem);
        Assert.Contains("end of stream", source.LastProblem);
    }

    [Fact]
    public void Frames_match_ffmpegs_own_bgr_conversion()
    {
        // ffmpeg converts the same first frame to BGR itself; the two YUV-to-BGR conversions agree closely.
        string bgrPath = _folder["frame.bgr"];
        using (var ffmpeg = System.Diagnostics.Process.Start("ffmpeg", Ffmpeg(1, "bgr24", bgrPath))!) ffmpeg.WaitForExit();
        byte[] reference = File.ReadAllBytes(bgrPath);
        Assert.Equal(Width * Height * 3, reference.Length);

        using var source = new RawYuvPipeSource("ffmpeg", Ffmpeg(1, "yuv420p"), Width, Height);
        using var frame = new Mat();
        Assert.True(source.TryRead(frame), source.LastProblem);
        frame.GetArray(out Vec3b[] pixels);
        double totalDifference = 0;
        for (int i = 0; i < pixels.Length; i++)
            for (int c = 0; c < 3; c++) totalDifference += Math.Abs(pixels[i][c] - reference[i * 3 + c]);
        double meanDifference = totalDifference / reference.Length;
        Assert.True(meanDifference < 4, $"mean difference {meanDifference:F2} grey levels");
    }

    [Fact]
    public void Gray_frames_are_the_luma_plane_as_gray_as_the_bgr_frames_are()
    {
        using var bgrSource = new RawYuvPipeSource("ffmpeg", Ffmpeg(5, "yuv420p"), Width, Height);
        using var graySource = new RawYuvPipeSource("ffmpeg", Ffmpeg(5, "yuv420p"), Width, Height);
        Assert.True(graySource.DeliverGray(true));
        using Mat bgr = new(), gray = new();
        while (bgrSource.TryRead(bgr))
        {
            Assert.True(graySource.TryRead(gray), graySource.LastProblem);
            Assert.Equal(MatType.CV_8UC1, gray.Type());
            double difference = FrameSourceTests.GrayDifference(gray, bgr);
            Assert.True(difference < 2, $"gray differs from BGR's gray by {difference:F2} levels on average");
        }
    }

    [Fact]
    public void A_stream_cut_mid_frame_is_reported_with_the_byte_count()
    {
        string pipeline = $"ffmpeg {string.Join(' ', Ffmpeg(3, "yuv420p"))} | head -c 100000";
        using var source = new RawYuvPipeSource("sh", ["-c", pipeline], Width, Height);
        using var frame = new Mat();
        Assert.False(source.TryRead(frame));
        Assert.Contains("after 100000 of 115200 bytes", source.LastProblem);
        Assert.Contains("frame size", source.LastProblem);
    }

    [Fact]
    public void A_missing_program_names_it_and_how_to_install_rpicam()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            new RawYuvPipeSource("rpicam-vid-not-installed", RawYuvPipeSource.RpicamVidArguments(640, 480, 15), 640, 480));
        Assert.Contains("rpicam-vid-not-installed", error.Message);
        Assert.Contains("rpicam-apps", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reading_frames_allocates_nothing_in_steady_state(bool gray)
    {
        // 120 warm-up reads (past the JIT's tiering) and up to 5 windows of 60: fewer than the 500 frames sent.
        using var source = new RawYuvPipeSource("ffmpeg", Ffmpeg(500, "yuv420p"), Width, Height);
        source.DeliverGray(gray);
        using var frame = new Mat();
        SteadyStateAllocations.AssertNone(() => Assert.True(source.TryRead(frame), source.LastProblem), warmUp: 120);
    }
}
