using EdgeCnn.Device.Configuration;
using OpenCvSharp;

namespace EdgeCnn.Device.Capture;

/// <summary>
/// Crops frames to the configured region without copying pixels: a view into the frame, made once per frame
/// buffer and frame size and then reused, so cropping allocates nothing per frame.
/// </summary>
public sealed class RegionOfInterest : IDisposable
{
    private readonly RegionOptions _region;
    private readonly (Mat Parent, IntPtr Data, int Cols, int Rows, Mat View)?[] _views = new (Mat, IntPtr, int, int, Mat)?[4];

    /// <summary>Crops to <paramref name="region"/>.</summary>
    public RegionOfInterest(RegionOptions region)
    {
        ArgumentNullException.ThrowIfNull(region);
        _region = region;
    }

    /// <summary>The part of <paramref name="frame"/> the model sees; valid until the frame is overwritten or resized.</summary>
    public Mat Apply(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_region.IsWholeFrame) return frame;
        IntPtr data = frame.Data;
        int cols = frame.Cols, rows = frame.Rows;
        int free = -1;
        for (int i = 0; i < _views.Length; i++)
        {
            if (_views[i] is not { } cached)
            {
                if (free < 0) free = i;
                continue;
            }
            if (ReferenceEquals(cached.Parent, frame))
            {
                if (cached.Data == data && cached.Cols == cols && cached.Rows == rows) return cached.View;
                cached.View.Dispose();
                _views[i] = null;
                free = i;
                break;
            }
        }
        if (free < 0)
        {
            // More buffers than expected: recycle the first slot.
            _views[0]!.Value.View.Dispose();
            free = 0;
        }
        var view = new Mat(frame, RectangleFor(cols, rows));
        _views[free] = (frame, data, cols, rows, view);
        return view;
    }

    /// <summary>The pixel rectangle of the region in a frame of the given size; at least one pixel.</summary>
    public Rect RectangleFor(int cols, int rows)
    {
        int x = (int)Math.Round(_region.X * cols), y = (int)Math.Round(_region.Y * rows);
        int width = Math.Max(1, Math.Min(cols - x, (int)Math.Round(_region.Width * cols)));
        int height = Math.Max(1, Math.Min(rows - y, (int)Math.Round(_region.Height * rows)));
        return new Rect(Math.Min(x, cols - 1), Math.Min(y, rows - 1), width, height);
    }

    /// <summary>Releases the cached views (not the frames).</summary>
    public void Dispose()
    {
        foreach (var cached in _views) cached?.View.Dispose();
        Array.Clear(_views);
    }
}
