using EdgeCnn.Vision;

namespace EdgeCnn.Device.Configuration;

/// <summary>The camera or clip the device watches (section <c>Source</c>).</summary>
public sealed class SourceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Source";

    /// <summary>Where frames come from.</summary>
    public SourceType Type { get; set; } = SourceType.V4l2;

    /// <summary>V4L2: camera index ("0") or device path ("/dev/video0").</summary>
    public string Device { get; set; } = "0";

    /// <summary>File or images: the video file or the image folder.</summary>
    public string Path { get; set; } = "";

    /// <summary>Stream: the URL, e.g. rtsp://user:password@camera/stream. Logs and errors show it without the credentials.</summary>
    public string Url { get; set; } = "";

    /// <summary>
    /// Stream: how long opening the stream, or waiting for its next frame, may take before it counts as lost and is
    /// reconnected. Well below the unit's 30 s watchdog, so that a stall is a reconnect, not a killed service.
    /// </summary>
    public TimeSpan StreamTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>File or images: start again at the end.</summary>
    public bool Loop { get; set; }

    /// <summary>
    /// File or images: play at the clip's frame rate like a camera (frames the model is too slow for are dropped).
    /// False processes every frame as fast as possible, with the clip's own timestamps (demos, tests).
    /// </summary>
    public bool Realtime { get; set; } = true;

    /// <summary>File or images without loop: stop the service at the end instead of reopening (demos, tests).</summary>
    public bool StopAtEnd { get; set; }

    /// <summary>
    /// File or images: a truth file (<c>first_frame,last_frame,label</c>, as <c>edgecnn-train clip</c> writes) to
    /// score the run against; the accuracy is logged when the service stops.
    /// </summary>
    public string TruthFile { get; set; } = "";

    /// <summary>V4L2 and rpicam: frame width to ask the camera for; stream: the width frames are scaled to.</summary>
    public int Width { get; set; } = 640;

    /// <summary>V4L2 and rpicam: frame height to ask the camera for; stream: the height frames are scaled to.</summary>
    public int Height { get; set; } = 480;

    /// <summary>Frames per second to ask the camera for; also the pace of an image folder.</summary>
    public int FramesPerSecond { get; set; } = 15;

    /// <summary>V4L2: ask for MJPG, which most webcams need for full resolution at full rate.</summary>
    public bool Mjpg { get; set; } = true;

    /// <summary>Rpicam: the program that writes raw YUV420 (I420) frames to standard output.</summary>
    public string Command { get; set; } = "rpicam-vid";

    /// <summary>Rpicam: its arguments; empty means the defaults for Width, Height and FramesPerSecond.</summary>
    public string[] Arguments { get; set; } = [];

    /// <summary>The part of the frame the model sees.</summary>
    public RegionOptions Region { get; set; } = new();

    /// <summary>First wait before reopening a lost source; doubled on each failure.</summary>
    public TimeSpan ReopenDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Longest wait between reopening attempts.</summary>
    public TimeSpan ReopenMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the source is a clip (file or images) rather than a live camera or stream.</summary>
    public bool IsClip => Type is SourceType.File or SourceType.Images;

    /// <summary>Checks the values; errors name the key and say how to fix it.</summary>
    public void Validate()
    {
        void Fail(string field, string why) => throw new ArgumentException($"{Section}:{field} {why}");
        switch (Type)
        {
            case SourceType.File when !File.Exists(Path):
                Fail("Path", $"'{Path}' is not a video file ({System.IO.Path.GetFullPath(Path.Length == 0 ? "." : Path)}); set it to an mp4/avi/mkv clip.");
                break;
            case SourceType.Images when !Directory.Exists(Path):
                Fail("Path", $"'{Path}' is not a folder; set it to a folder of .png/.jpg images.");
                break;
            case SourceType.Stream when !Uri.TryCreate(Url, UriKind.Absolute, out _):
                Fail("Url", $"'{StreamUrl.Redact(Url)}' is not a URL; use e.g. rtsp://camera.local/stream.");
                break;
            case SourceType.V4l2 when string.IsNullOrWhiteSpace(Device):
                Fail("Device", "is empty; use a camera index (0) or a path (/dev/video0).");
                break;
            case SourceType.Rpicam when string.IsNullOrWhiteSpace(Command):
                Fail("Command", "is empty; use rpicam-vid (or the program that writes I420 frames to standard output).");
                break;
        }
        if (Type is SourceType.V4l2 or SourceType.Rpicam or SourceType.Stream && (Width is < 16 or > 8192 || Height is < 16 or > 8192))
            Fail("Width", $"and Height ({Width}x{Height}) must be 16 to 8192 pixels.");
        if (Type is SourceType.Rpicam or SourceType.Stream && (Width % 2 != 0 || Height % 2 != 0))
            Fail("Width", $"and Height ({Width}x{Height}) must be even for YUV420 frames.");
        if (FramesPerSecond is < 1 or > 240) Fail("FramesPerSecond", $"is {FramesPerSecond}; use 1 to 240.");
        if (StopAtEnd && (!IsClip || Loop)) Fail("StopAtEnd", "only applies to a file or images source without Loop.");
        if (TruthFile.Length > 0 && !IsClip) Fail("TruthFile", "only applies to a file or images source.");
        if (TruthFile.Length > 0 && !File.Exists(TruthFile)) Fail("TruthFile", $"'{TruthFile}' does not exist; edgecnn-train clip writes NAME.truth.csv beside the clip.");
        if (StreamTimeout < TimeSpan.FromSeconds(1) || StreamTimeout > TimeSpan.FromSeconds(20))
            Fail("StreamTimeout", $"is {StreamTimeout}; use 00:00:01 to 00:00:20 (it must end well before the service's 30 s watchdog).");
        if (ReopenDelay <= TimeSpan.Zero || ReopenMaxDelay < ReopenDelay)
            Fail("ReopenDelay", $"({ReopenDelay}) must be positive and at most ReopenMaxDelay ({ReopenMaxDelay}).");
        Region.Validate($"{Section}:Region");
    }
}
