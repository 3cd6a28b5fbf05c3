using EdgeCnn.Device.Configuration;
using EdgeCnn.Vision;

namespace EdgeCnn.Device.Capture;

/// <summary>Opens a frame source; the service's is <see cref="FrameSourceFactory.Open"/>, tests put a fake camera here.</summary>
public delegate IFrameSource FrameSourceOpener(SourceOptions options);

/// <summary>Opens the frame source that <see cref="SourceOptions"/> describes.</summary>
public static class FrameSourceFactory
{
    /// <summary>Opens the source; throws with a message that says what to check when it cannot.</summary>
    public static IFrameSource Open(SourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Type switch
        {
            SourceType.V4l2 => VideoCaptureSource.OpenV4l2(options.Device, options.Width, options.Height, options.FramesPerSecond, options.Mjpg),
            SourceType.Rpicam => new RawYuvPipeSource(options.Command,
                options.Arguments.Length > 0 ? options.Arguments : RawYuvPipeSource.RpicamVidArguments(options.Width, options.Height, options.FramesPerSecond),
                options.Width, options.Height),
            SourceType.File => VideoCaptureSource.OpenFile(options.Path, options.Loop),
            SourceType.Images => new ImageFolderSource(options.Path, options.Loop),
            SourceType.Stream => NetworkStreamSource.Open(options.Url, options.Width, options.Height, options.StreamTimeout),
            _ => throw new ArgumentException($"{SourceOptions.Section}:Type {options.Type} is not a source type."),
        };
    }

    /// <summary>The frame rate of a clip: what the file says, else <see cref="SourceOptions.FramesPerSecond"/>.</summary>
    public static double ClipFramesPerSecond(IFrameSource source, SourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return source is VideoCaptureSource { FramesPerSecond: > 0 } video ? video.FramesPerSecond : options.FramesPerSecond;
    }
}
