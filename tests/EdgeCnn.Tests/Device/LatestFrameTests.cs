using EdgeCnn.Device.Capture;
using OpenCvSharp;

namespace EdgeCnn.Tests.Device;

public sealed class LatestFrameTests
{
    private static void Offer(LatestFrame frames, int value, bool waitForReader = false)
    {
        frames.WriteBuffer.Create(2, 2, MatType.CV_8UC1);
        frames.WriteBuffer.SetTo(Scalar.All(value));
        Assert.True(frames.Publish(DateTimeOffset.UnixEpoch.AddSeconds(value), waitForReader, CancellationToken.None));
    }

    [Fact]
    public void The_loop_gets_the_newest_frame_and_stale_ones_are_dropped_and_counted()
    {
        using var frames = new LatestFrame();
        Offer(frames, 1);
        Offer(frames, 2);
        Offer(frames, 3);

        Assert.True(frames.TryTake(0, out Mat frame, out DateTimeOffset time, out long number));
        Assert.Equal(3, frame.At<byte>(0, 0));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(3), time);
        Assert.Equal(3, number);
        Assert.Equal(2, frames.Dropped);
        Assert.False(frames.TryTake(10, out _, out _, out _)); // nothing new
    }

    [Fact]
    public void Frame_by_frame_the_capture_thread_waits_and_nothing_is_dropped()
    {
        using var frames = new LatestFrame();
        var taken = new List<byte>();
        var reader = new Thread(() =>
        {
            while (taken.Count < 50)
            {
                if (frames.TryTake(1000, out Mat frame, out _, out _)) taken.Add(frame.At<byte>(0, 0));
            }
        });
        reader.Start();
        for (int i = 0; i < 50; i++) Offer(frames, i, waitForReader: true);
        reader.Join();

        Assert.Equal(Enumerable.Range(0, 50).Select(i => (byte)i), taken);
        Assert.Equal(0, frames.Dropped);
    }

    [Fact]
    public void A_completed_stream_is_completed_only_after_its_last_frame_is_taken()
    {
        using var frames = new LatestFrame();
        Offer(frames, 7);
        frames.Complete();
        Assert.False(frames.IsCompleted);
        Assert.True(frames.TryTake(0, out _, out _, out _));
        Assert.True(frames.IsCompleted);
    }
}
