namespace EdgeCnn.Device.Configuration;

/// <summary>Where frames come from.</summary>
public enum SourceType
{
    /// <summary>A USB webcam through V4L2, by index or /dev/videoN.</summary>
    V4l2,

    /// <summary>The Raspberry Pi camera: rpicam-vid writing raw YUV420 to a pipe.</summary>
    Rpicam,

    /// <summary>A video file.</summary>
    File,

    /// <summary>A folder of images, in name order.</summary>
    Images,

    /// <summary>A network stream (rtsp://, http://) through OpenCV's FFMPEG backend.</summary>
    Stream,
}
