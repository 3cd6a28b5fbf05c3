using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>A stream of camera or video frames, read into a Mat the caller owns and reuses.</summary>
public interface IFrameSource : IDisposable
{
    /// <summary>What this source reads, for logs.</summary>
    string Description { get; }

    /// <summary>
    /// Reads the next frame as 8-bit BGR (or gray, after <see cref="DeliverGray"/>) into <paramref name="frame"/>. Returns false when the stream ended or
    /// broke; <see cref="LastProblem"/> then says why.
    /// </summary>
    bool TryRead(Mat frame);

    /// <summary>Why the last <see cref="TryRead"/> returned false, or null.</summary>
    string? LastProblem { get; }

    /// <summary>
    /// Asks for gray frames (8-bit, 1 channel: the luma plane expanded to full range, see <see cref="LumaExpansion"/>)
    /// instead of BGR, or for BGR again. For a 1-channel model this skips the decoder's colour conversion and the
    /// preprocessor's conversion back to gray. Returns whether the source now delivers what was asked; a source that
    /// cannot deliver gray cheaply goes on delivering BGR, which the preprocessor converts as before.
    /// </summary>
    bool DeliverGray(bool gray) => !gray;
}
