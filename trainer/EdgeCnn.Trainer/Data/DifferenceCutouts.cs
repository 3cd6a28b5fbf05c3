using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Data;

/// <summary>
/// Cut-outs from captured frames: a camera that stays where it is sees its empty scene in the background class's
/// frames, so where a frame of an object class differs from the nearest empty frame (same view, its light matched) is
/// the object. Each such item becomes a cut-out (colour and opacity, as a PNG with alpha would be), which scene
/// augmentation pastes at other sizes, places and backgrounds, beside the frame itself. A frame without one clear
/// difference (nothing there, or the whole view changed) gives no cut-out.
/// </summary>
internal static class DifferenceCutouts
{
    // Frames are compared at this width (the aspect kept): enough for a 64-pixel input, cheap to search.
    private const int WorkWidth = 320;
    private const int ThumbWidth = 40;
    // A pixel differs when a channel differs by more than this (of 255) after blurring and matching the light.
    private const double Level = 30;
    // The item's share of the frame: below, noise; above, the view itself changed.
    private const double MinShare = 0.004, MaxShare = 0.6;

    /// <summary>
    /// Cut-outs of the object-class frames of <paramref name="train"/> (which must know its files), labelled as their
    /// frames; null when it has no empty-scene frames. <paramref name="made"/> says how many frames gave one.
    /// </summary>
    public static ImageSet? Make(ImageSet train, int backgroundIndex, out string made)
    {
        if (train.Files is null) throw new ArgumentException("difference cut-outs need the frames' files (an image folder).", nameof(train));
        int[] empty = [.. Enumerable.Range(0, train.Count).Where(i => train.Labels[i] == backgroundIndex)];
        int[] objects = [.. Enumerable.Range(0, train.Count).Where(i => train.Labels[i] != backgroundIndex)];
        if (empty.Length == 0 || objects.Length == 0)
        {
            made = "no difference cut-outs: the data needs frames of the empty scene (the background class) and of objects";
            return null;
        }
        List<(Mat Frame, Mat Thumb)> scenes = [.. empty.Select(i => Load(train.Files[i]))];
        try
        {
            PreprocessingSpec spec = train.Preprocessing;
            int length = spec.TensorLength, plane = spec.Width * spec.Height;
            var pixels = new float[objects.Length * (long)length];
            var alpha = new float[objects.Length * (long)plane];
            var ok = new bool[objects.Length];
            Parallel.For(0, objects.Length, () => new Cutout(spec), (k, _, cutout) =>
            {
                (Mat frame, Mat thumb) = Load(train.Files[objects[k]]);
                using (frame)
                using (thumb)
                using (Mat? item = Cut(frame, thumb, scenes))
                {
                    if (item is not null)
                        ok[k] = cutout.Prepare(item, pixels.AsSpan(k * length, length), alpha.AsSpan(k * plane, plane), train.Files[objects[k]]);
                }
                return cutout;
            }, cutout => cutout.Dispose());
            int[] kept = [.. Enumerable.Range(0, objects.Length).Where(k => ok[k])];
            made = $"{kept.Length} of {objects.Length} object frames cut out by their difference from the nearest of {empty.Length} empty-scene frames";
            if (kept.Length == 0) return null;
            var set = new ImageSet(pixels, [.. objects.Select(i => train.Labels[i])], train.Classes, spec, alpha,
                [.. objects.Select(i => train.Files[i] + "#cut-out")]);
            return set.Subset(kept);
        }
        finally
        {
            foreach ((Mat frame, Mat thumb) in scenes)
            {
                frame.Dispose();
                thumb.Dispose();
            }
        }
    }

    private static (Mat Frame, Mat Thumb) Load(string path)
    {
        using Mat image = ImagePreprocessor.Decode(path);
        var frame = new Mat();
        Cv2.Resize(image, frame, new Size(WorkWidth, Math.Max(1, image.Rows * WorkWidth / image.Cols)), 0, 0, InterpolationFlags.Area);
        var thumb = new Mat();
        Cv2.Resize(frame, thumb, new Size(ThumbWidth, Math.Max(1, frame.Rows * ThumbWidth / frame.Cols)), 0, 0, InterpolationFlags.Area);
        return (frame, thumb);
    }

    // The frame's item as BGRA (opaque where it differs from the best-matching empty frame), or null.
    private static Mat? Cut(Mat frame, Mat thumb, List<(Mat Frame, Mat Thumb)> scenes)
    {
        if (NearestEmpty(frame, thumb, scenes) is not { } empty) return null;
        using Mat mask = DifferenceMask(frame, empty);
        using Mat? item = LargestItem(mask, frame.Rows * frame.Cols);
        return item is null ? null : WithOpacity(frame, item);
    }

    // The nearest empty frame of the same size, compared with each one's light scaled to this frame's (per channel means).
    private static Mat? NearestEmpty(Mat frame, Mat thumb, List<(Mat Frame, Mat Thumb)> scenes)
    {
        Scalar mean = Cv2.Mean(thumb);
        (Mat Frame, Mat Thumb)? best = null;
        double bestDistance = double.MaxValue;
        using var scaled = new Mat();
        using var difference = new Mat();
        foreach ((Mat Frame, Mat Thumb) scene in scenes)
        {
            if (scene.Frame.Size() != frame.Size()) continue;
            Scalar gain = Gain(mean, Cv2.Mean(scene.Thumb));
            Cv2.Multiply(scene.Thumb, gain, scaled, 1, MatType.CV_8UC3.Value);
            Cv2.Absdiff(thumb, scaled, difference);
            Scalar d = Cv2.Mean(difference);
            double distance = d.Val0 + d.Val1 + d.Val2;
            if (distance < bestDistance) (bestDistance, best) = (distance, scene);
        }
        return best?.Frame;
    }

    // 255 where the frame differs from the empty one (its light matched, both blurred) in any channel, cleaned of specks and holes.
    private static Mat DifferenceMask(Mat frame, Mat empty)
    {
        using var emptyScaled = new Mat();
        Cv2.Multiply(empty, Gain(Cv2.Mean(frame), Cv2.Mean(empty)), emptyScaled, 1, MatType.CV_8UC3.Value);
        using var blurredFrame = new Mat();
        using var blurredEmpty = new Mat();
        Cv2.GaussianBlur(frame, blurredFrame, new Size(5, 5), 0);
        Cv2.GaussianBlur(emptyScaled, blurredEmpty, new Size(5, 5), 0);
        using var channels = new Mat();
        Cv2.Absdiff(blurredFrame, blurredEmpty, channels);
        using var largest = new Mat();
        Mat[] split = channels.Split();
        Cv2.Max(split[0], split[1], largest);
        Cv2.Max(largest, split[2], largest);
        foreach (Mat m in split) m.Dispose();
        var mask = new Mat();
        Cv2.Threshold(largest, mask, Level, 255, ThresholdTypes.Binary);
        using (Mat small = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(3, 3)))
        using (Mat large = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(9, 9)))
        {
            Cv2.MorphologyEx(mask, mask, MorphTypes.Open, small);
            Cv2.MorphologyEx(mask, mask, MorphTypes.Close, large);
        }
        return mask;
    }

    // The largest connected difference is the item (the rest is noise or a moved leaf): 255 on it, or null when its
    // share of the frame's pixels is out of bounds.
    private static Mat? LargestItem(Mat mask, int pixels)
    {
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        int count = Cv2.ConnectedComponentsWithStats(mask, labels, stats, centroids);
        int item = 0, area = 0;
        for (int c = 1; c < count; c++)
        {
            int a = stats.At<int>(c, (int)ConnectedComponentsTypes.Area);
            if (a > area) (item, area) = (c, a);
        }
        double share = (double)area / pixels;
        if (item == 0 || share is < MinShare or > MaxShare) return null;
        var only = new Mat();
        Cv2.Compare(labels, Scalar.All(item), only, CmpTypes.EQ);
        return only;
    }

    // The frame's colours with the item's mask, softened at its edge, as the alpha channel.
    private static Mat WithOpacity(Mat frame, Mat item)
    {
        using var opacity = new Mat();
        Cv2.GaussianBlur(item, opacity, new Size(3, 3), 0);
        Mat[] colour = frame.Split();
        try
        {
            var bgra = new Mat();
            Cv2.Merge([.. colour, opacity], bgra);
            return bgra;
        }
        finally
        {
            foreach (Mat m in colour) m.Dispose();
        }
    }

    private static Scalar Gain(Scalar to, Scalar from) =>
        new(to.Val0 / Math.Max(1, from.Val0), to.Val1 / Math.Max(1, from.Val1), to.Val2 / Math.Max(1, from.Val2));
}
