using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// Frames through OpenCV's VideoCapture: a video file (optionally looped) or a V4L2 USB webcam by index or
/// <c>/dev/videoN</c>. Reads go straight into the caller's Mat. (Network streams go through
/// <see cref="NetworkStreamSource"/>: this OpenCV's FFMPEG has no network protocols.)
/// </summary>
public sealed class VideoCaptureSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly bool _loop;

    private VideoCaptureSource(VideoCapture capture, string description, bool loop)
    {
        _capture = capture;
        Description = description;
        _loop = loop;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The frame rate the file or device reports; 0 when it reports none.</summary>
    public double FramesPerSecond => _capture.Fps is double fps and > 0 and < 1000 ? fps : 0;

    /// <inheritdoc />
    public string? LastProblem { get; private set; }

    /// <summary>Opens a video file; with <paramref name="loop"/> it starts again at the end.</summary>
    public static VideoCaptureSource OpenFile(string path, bool loop)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: video file not found.", path);
        var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        return Opened(capture, $"video file {path}{(loop ? " (looped)" : "")}", loop,
            $"{path}: OpenCV's FFMPEG backend cannot read this file; is it a complete video (mp4, avi, mkv)?");
    }

    /// <summary>Opens a V4L2 webcam by index ("0") or device path ("/dev/video0") at the requested mode.</summary>
    public static VideoCaptureSource OpenV4l2(string device, int width, int height, int framesPerSecond, bool mjpg)
    {
        VideoCapture capture = int.TryParse(device, out int index)
            ? new VideoCapture(index, VideoCaptureAPIs.V4L2)
            : new VideoCapture(device, VideoCaptureAPIs.V4L2);
        string name = int.TryParse(device, out _) ? $"/dev/video{device}" : device;
        VideoCaptureSource source = Opened(capture, $"V4L2 camera {name} {width}x{height}@{framesPerSecond}{(mjpg ? " MJPG" : "")}", loop: false,
            $"{name}: the camera could not be opened. Is it plugged in (ls /dev/video*), and is this user in the 'video' group (sudo usermod -aG video $USER)? " +
            "A Raspberry Pi camera module needs the rpicam source instead.");
        // The fourcc goes first: many webcams only offer high resolutions and frame rates as MJPG.
        if (mjpg) capture.Set(VideoCaptureProperties.FourCC, VideoWriter.FourCC('M', 'J', 'P', 'G'));
        capture.Set(VideoCaptureProperties.FrameWidth, width);
        capture.Set(VideoCaptureProperties.FrameHeight, height);
        capture.Set(VideoCaptureProperties.Fps, framesPerSecond);
        return source;
    }

    private static VideoCaptureSource Opened(VideoCapture capture, string description, bool loop, string failure)
    {
        if (capture.IsOpened()) return new VideoCaptureSource(capture, description, loop);
        capture.Dispose();
        throw new InvalidOperationException(failure);
    }

    /// <inheritdoc />
    public bool TryRead(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (Read(frame)) return Success();
        if (_loop && _capture.Set(VideoCaptureProperties.PosFrames, 0) && Read(frame)) return Success();
        LastProblem = $"{Description}: no more frames (end of file, or the device stopped delivering).";
        return false;
    }

    private bool Success()
    {
        LastProblem = null;
        return true;
    }

    private bool Read(Mat frame)
    {
        return AllocationFreeCv.Read(_capture, frame) && !frame.Empty();
    }

    /// <summary>Releases the capture.</summary>
    public void Dispose() => _capture.Dispose();
}
