using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// A fake camera (the hardware boundary): delivers the given frames once, then reports the end of the stream. Owns
/// and disposes the frames.
/// </summary>
internal sealed class FakeCamera(IReadOnlyList<Mat> frames) : IFrameSource
{
    private int _next;

    public string Description => $"fake camera ({frames.Count} frames)";

    public string? LastProblem { get; private set; }

    public bool TryRead(Mat frame)
    {
        if (_next == frames.Count)
        {
            LastProblem = "the fake camera has no more frames";
            return false;
        }
        frames[_next++].CopyTo(frame);
        return true;
    }

    // The service disposes the source it opened; the frames belong to the test, which disposes the camera itself.
    void IDisposable.Dispose()
    {
    }

    public void Release()
    {
        foreach (Mat frame in frames) frame.Dispose();
    }
}
