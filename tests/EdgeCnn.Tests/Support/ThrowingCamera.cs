using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// A fake camera (the hardware boundary) whose driver fails: it delivers <paramref name="framesBeforeFault"/>
/// frames, then throws an IOException from the read, as a USB camera unplugged mid-read can. Every opening starts
/// afresh; <see cref="Opened"/> counts them.
/// </summary>
internal sealed class ThrowingCamera(Func<Mat> draw, int framesBeforeFault) : IFrameSource
{
    private int _read;

    public static int Opened;

    public string Description => "throwing fake camera";

    public string? LastProblem => null;

    public bool TryRead(Mat frame)
    {
        if (_read++ == framesBeforeFault) throw new IOException("VIDIOC_DQBUF: No such device (the fake camera's driver failed)");
        using Mat drawn = draw();
        drawn.CopyTo(frame);
        return true;
    }

    public void Dispose()
    {
    }
}
