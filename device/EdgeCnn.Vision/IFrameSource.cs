using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>A stream of camera or video frames, read into a Mat the caller owns and reuses.</summary>
public interface IFrameSource : IDisposable
{
    /// <summary>What this source reads, for logs.</summary>
    string Description { get; }

    /// <summary>
    /// Reads the next frame as 8-bit BGR into <paramref name="frame"/>. Returns false when the stream ended or
    /// broke; <see cref="LastProblem"/> then says why.
    /// </summary>
    bool TryRead(Mat frame);

    /// <summary>Why the last <see cref="TryRead"/> returned false, or null.</summary>
    string? LastProblem { get; }
}
