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
    private readonly bool _file;
    private readonly ReusableCvArgumentsCache _frameArguments = new();
    private LumaExpansion? _luma;
    private bool _gray;
    private bool _expandLuma;

    private VideoCaptureSource(VideoCapture capture, string description, bool loop, bool file)
    {
        _capture = capture;
        Description = description;
        _loop = loop;
        _file = file;
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
        return Opened(capture, $"video file {path}{(loop ? " (looped)" : "")}", loop, file: true,
            $"{path}: OpenCV's FFMPEG backend cannot read this file; is it a complete video (mp4, avi, mkv)?");
    }

    /// <summary>Opens a V4L2 webcam by index ("0") or device path ("/dev/video0") at the requested mode.</summary>
    public static VideoCaptureSource OpenV4l2(string device, int width, int height, int framesPerSecond, bool mjpg)
    {
        VideoCapture capture = int.TryParse(device, out int index)
            ? new VideoCapture(index, VideoCaptureAPIs.V4L2)
            : new VideoCapture(device, VideoCaptureAPIs.V4L2);
        string name = int.TryParse(device, out _) ? $"/dev/video{device}" : device;
        VideoCaptureSource source = Opened(capture, $"V4L2 camera {name} {width}x{height}@{framesPerSecond}{(mjpg ? " MJPG" : "")}", loop: false, file: false,
            $"{name}: the camera could not be opened. Is it plugged in (ls /dev/video*), and is this user in the 'video' group (sudo usermod -aG video $USER)? " +
            "A Raspberry Pi camera module needs the rpicam source instead.");
        // The fourcc goes first: many webcams only offer high resolutions and frame rates as MJPG.
        if (mjpg) capture.Set(VideoCaptureProperties.FourCC, VideoWriter.FourCC('M', 'J', 'P', 'G'));
        capture.Set(VideoCaptureProperties.FrameWidth, width);
        capture.Set(VideoCaptureProperties.FrameHeight, height);
        capture.Set(VideoCaptureProperties.Fps, framesPerSecond);
        return source;
    }

    private static VideoCaptureSource Opened(VideoCapture capture, string description, bool loop, bool file, string failure)
    {
        if (capture.IsOpened()) return new VideoCaptureSource(capture, description, loop, file);
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
        if (!AllocationFreeCv.Read(_capture, frame) || frame.Empty()) return false;
        if (_gray && _expandLuma && frame.Channels() == 1)
        {
            ReusableCvArguments arguments = _frameArguments.For(frame);
            _luma!.Expand(arguments, arguments);
        }
        return true;
    }

    /// <summary>
    /// Gray from a video file's 4:2:0 frames (I420; video range, or full range for Motion JPEG): FFMPEG then hands
    /// over the luma plane without converting to BGR (about 0.1 ms of a 640x480 frame's 0.3 ms here). Not for V4L2 cameras: without conversion
    /// they hand over the camera's raw buffer (MJPEG or YUYV); nor for other pixel formats, whose luma range is not known.
    /// Once gray, a capture cannot go back to BGR (false): open the file again for colour.
    /// </summary>
    public bool DeliverGray(bool gray)
    {
        if (gray == _gray) return true;
        // Back to BGR mid-stream fails in FFMPEG's retrieve (its conversion state is gone): reopen the file instead.
        if (!gray) return false;
        if ((!_file || (int)_capture.Get(VideoCaptureProperties.CodecPixelFormat) != VideoWriter.FourCC('I', '4', '2', '0'))) return false;
        // Without conversion OpenCV's FFMPEG backend warns on every frame that it hands over yuv420p "as 8UC1", which
        // is what is asked for here: its warnings would flood the journal. OpenCV's log level is process-wide;
        // errors still show.
        if (Cv2.GetLogLevel() > OpenCvSharp.LogLevel.ERROR) Cv2.SetLogLevel(OpenCvSharp.LogLevel.ERROR);
        if (!_capture.Set(VideoCaptureProperties.ConvertRgb, 0)) return false;
        // OpenCV names JPEG's full-range 4:2:0 'I420' as well; only the codec tells them apart. Motion JPEG's luma is
        // already 0..255 (it equals BGR-to-gray); other codecs (H.264, MPEG-4, VP9, …) are taken to be video range,
        // as nearly all such files are.
        int codec = (int)_capture.Get(VideoCaptureProperties.FourCC);
        string tag = new([(char)(codec & 255), (char)((codec >> 8) & 255), (char)((codec >> 16) & 255), (char)((codec >> 24) & 255)]);
        _expandLuma = !(tag.StartsWith("MJP", StringComparison.OrdinalIgnoreCase) || tag.Equals("jpeg", StringComparison.OrdinalIgnoreCase));
        _luma = new LumaExpansion();
        _gray = true;
        return true;
    }

    /// <summary>Releases the capture.</summary>
    public void Dispose()
    {
        _capture.Dispose();
        _frameArguments.Dispose();
        _luma?.Dispose();
    }
}
