using OpenCvSharp;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// Writes a video clip (MJPG in AVI, through OpenCV's FFMPEG backend) of shapes shown one segment after another.
/// Each frame is two squares side by side: a distracting triangle on the left, the segment's shape on the right,
/// so a device configured with the right half as its region sees only the segment's shape.
/// </summary>
internal static class ShapesClip
{
    public const double FramesPerSecond = 12;

    /// <summary>Writes the clip; <paramref name="segments"/> are (shape index, frames).</summary>
    public static string Write(string path, IReadOnlyList<(int Shape, int Frames)> segments, int seed = 3)
    {
        int size = ShapesModel.FrameSize;
        using var writer = new VideoWriter(path, FourCC.MJPG, FramesPerSecond, new Size(2 * size, size));
        if (!writer.IsOpened()) throw new InvalidOperationException($"{path}: OpenCV cannot write MJPG video here");
        var random = new Random(seed);
        using var frame = new Mat(size, 2 * size, MatType.CV_8UC3);
        foreach ((int shape, int frames) in segments)
        {
            for (int i = 0; i < frames; i++)
            {
                using Mat distractor = ShapesDataset.Draw(2, size, random, colour: true);
                using Mat subject = ShapesDataset.Draw(shape, size, random, colour: true);
                using (var left = new Mat(frame, new Rect(0, 0, size, size))) distractor.CopyTo(left);
                using (var right = new Mat(frame, new Rect(size, 0, size, size))) subject.CopyTo(right);
                writer.Write(frame);
            }
        }
        return path;
    }
}
