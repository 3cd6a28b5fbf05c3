using System.Globalization;
using System.Text;
using OpenCvSharp;

namespace EdgeCnn.Trainer.Scene;

/// <summary>
/// A scene clip's video as it is written, stretch by stretch, and its truth rows: each stretch one still shown for a
/// number of frames in its light, which drifts a little, with fresh sensor noise on every frame.
/// </summary>
internal sealed class ClipVideo : IDisposable
{
    private readonly VideoWriter _writer;
    private readonly Mat _frame = new();
    private readonly Mat _noise;
    private readonly double _noiseLevel;
    private readonly Random _random;

    /// <summary>Opens <paramref name="output"/> (.avi: Motion JPEG, else MPEG-4) at the settings' size and rate.</summary>
    public ClipVideo(string output, SceneClip.Settings s, Random random)
    {
        FourCC codec = Path.GetExtension(output).Equals(".avi", StringComparison.OrdinalIgnoreCase) ? FourCC.MJPG : FourCC.FromFourChars('m', 'p', '4', 'v');
        _writer = new VideoWriter(output, codec, s.Fps, new Size(s.Width, s.Height));
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            _frame.Dispose();
            throw new IOException($"{output}: OpenCV cannot write this video here (use .mp4 or .avi).");
        }
        _noise = new Mat(s.Height, s.Width, MatType.CV_16SC3);
        _noiseLevel = s.Noise * 255;
        _random = random;
    }

    /// <summary>The truth file's text so far: a header, then first_frame,last_frame,label per stretch.</summary>
    public StringBuilder Truth { get; } = new("first_frame,last_frame,label\n");

    /// <summary>Frames written so far.</summary>
    public int Frames { get; private set; }

    /// <summary>Writes <paramref name="count"/> frames of <paramref name="still"/> in <paramref name="light"/> (BGR factors) as one stretch labelled <paramref name="label"/>.</summary>
    public void Show(Mat still, int count, string label, Scalar light)
    {
        if (count == 0) return;
        double drift = (_random.NextDouble() * 2 - 1) * 0.08;
        for (int f = 0; f < count; f++)
        {
            // The light drifts a little and every frame gets its own sensor noise.
            double change = 1 + drift * f / count;
            Cv2.Multiply(still, new Scalar(light.Val0 * change, light.Val1 * change, light.Val2 * change), _frame, 1, MatType.CV_8UC3.Value);
            Cv2.Randn(_noise, Scalar.All(0), Scalar.All(_noiseLevel));
            Cv2.Add(_frame, _noise, _frame, null, MatType.CV_8UC3.Value);
            _writer.Write(_frame);
        }
        Truth.Append(CultureInfo.InvariantCulture, $"{Frames},{Frames + count - 1},{label}\n");
        Frames += count;
    }

    public void Dispose()
    {
        _noise.Dispose();
        _frame.Dispose();
        _writer.Dispose();
    }
}
