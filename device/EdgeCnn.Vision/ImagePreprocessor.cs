using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// The one implementation of "image → input tensor": colour conversion, resize, scale and per-channel
/// normalisation into a planar (CHW) float buffer. The trainer prepares every training image with it and the
/// device every camera frame, so a model is always served pixels prepared exactly as it was trained on.
/// </summary>
/// <remarks>
/// An instance owns scratch <see cref="Mat"/>s and native OpenCV argument handles that it reuses, so preparing
/// frames of a steady size from the same frame <see cref="Mat"/> with <see cref="ResizeMode.Stretch"/> allocates
/// nothing. (Center-crop and letterbox create a small view object per frame.) It is not thread-safe: give each
/// thread its own instance.
/// </remarks>
public sealed class ImagePreprocessor : IDisposable
{
    private readonly Mat _colour = new();
    private readonly Mat _resized = new();
    private readonly Mat _decimated = new();
    private readonly Mat _fitted = new();
    private readonly Mat _canvas;
    private readonly float[] _gain;
    private readonly float[] _offset;
    private readonly InterpolationFlags _interpolation;
    private readonly ReusableCvArguments _colourArguments;
    private readonly ReusableCvArguments _resizedArguments;
    private readonly ReusableCvArguments _decimatedArguments;
    private readonly ReusableCvArgumentsCache _frameArguments = new();

    /// <summary>Creates a preprocessor for <paramref name="spec"/>, which is validated first.</summary>
    public ImagePreprocessor(PreprocessingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate("preprocessing spec");
        Spec = spec;
        // (p * scale - mean) / std, folded into one multiply-add per pixel.
        _gain = new float[spec.Channels];
        _offset = new float[spec.Channels];
        for (int c = 0; c < spec.Channels; c++)
        {
            _gain[c] = spec.Scale / spec.Std[c];
            _offset[c] = -spec.Mean[c] / spec.Std[c];
        }
        _interpolation = spec.Interpolation switch
        {
            Interpolation.Linear => InterpolationFlags.Linear,
            Interpolation.Nearest => InterpolationFlags.Nearest,
            _ => InterpolationFlags.Area,
        };
        _canvas = new Mat(spec.Height, spec.Width, spec.Channels == 1 ? MatType.CV_8UC1 : MatType.CV_8UC3, Scalar.Black);
        _colourArguments = new ReusableCvArguments(_colour);
        _resizedArguments = new ReusableCvArguments(_resized);
        _decimatedArguments = new ReusableCvArguments(_decimated);
    }

    /// <summary>File extensions of the images <see cref="Decode"/> is used for, lower case with the dot.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>True when <paramref name="path"/> has one of <see cref="ImageExtensions"/> (any case).</summary>
    public static bool IsImageFile(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>The spec this instance applies.</summary>
    public PreprocessingSpec Spec { get; }

    /// <summary>
    /// Decodes an image file as 8-bit BGR. Grayscale files come back with three equal planes, which convert back
    /// to the same gray values exactly, so files and camera frames take the same path.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing, unreadable or not an image OpenCV can decode.</exception>
    public static Mat Decode(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: file not found.");
        Mat image = Cv2.ImRead(path, ImreadModes.Color);
        if (image.Empty())
        {
            image.Dispose();
            throw new InvalidDataException($"{path}: not a readable image (OpenCV could not decode it; is it a complete PNG, JPEG or BMP?).");
        }
        return image;
    }

    /// <summary>Decodes <paramref name="path"/> and prepares it into <paramref name="destination"/>.</summary>
    public void PrepareFile(string path, Span<float> destination)
    {
        using Mat image = Decode(path);
        Prepare(image, destination);
    }

    /// <summary>
    /// Prepares an 8-bit image (1 channel gray, 3 channels BGR or 4 channels BGRA) into
    /// <paramref name="destination"/>, which must hold <see cref="PreprocessingSpec.TensorLength"/> floats laid out
    /// as channel planes (CHW).
    /// </summary>
    public void Prepare(Mat image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length != Spec.TensorLength)
            throw new ArgumentException($"destination holds {destination.Length} floats; this spec needs {Spec.TensorLength}.", nameof(destination));
        if (image.Empty()) throw new ArgumentException("image is empty.", nameof(image));
        if (image.Depth() != MatType.CV_8U)
            throw new ArgumentException($"image depth is {image.Type()}; only 8-bit images are supported.", nameof(image));

        ReusableCvArguments colour = ConvertColour(_frameArguments.For(image), out bool reverseChannels);
        Mat sized = Fit(colour);
        WritePlanes(sized, reverseChannels, destination);
        GC.KeepAlive(image);
    }

    // Into the spec's channels. A BGR frame for an RGB model is not converted: the resize treats each channel alike,
    // so its planes are written in reverse order instead (the same numbers, without a pass over the whole frame).
    private ReusableCvArguments ConvertColour(ReusableCvArguments frame, out bool reverseChannels)
    {
        Mat image = frame.Mat;
        int channels = image.Channels();
        reverseChannels = (channels, Spec.Channels, Spec.ChannelOrder) == (3, 3, ChannelOrder.Rgb);
        ColorConversionCodes? code = (channels, Spec.Channels, Spec.ChannelOrder) switch
        {
            (1, 1, _) or (3, 3, _) => null,
            (1, 3, _) => ColorConversionCodes.GRAY2BGR, // equal planes: the order does not matter
            (3, 1, _) => ColorConversionCodes.BGR2GRAY,
            (4, 1, _) => ColorConversionCodes.BGRA2GRAY,
            (4, 3, ChannelOrder.Rgb) => ColorConversionCodes.BGRA2RGB,
            (4, 3, ChannelOrder.Bgr) => ColorConversionCodes.BGRA2BGR,
            _ => throw new ArgumentException($"images with {channels} channels are not supported; use 1 (gray), 3 (BGR) or 4 (BGRA).", nameof(image)),
        };
        if (code is null) return frame;
        AllocationFreeCv.CvtColor(frame, _colourArguments, code.Value);
        return _colourArguments;
    }

    private Mat Fit(ReusableCvArguments sourceArguments)
    {
        Mat source = sourceArguments.Mat;
        int width = Spec.Width, height = Spec.Height;
        if (source.Width == width && source.Height == height) return source;

        switch (Spec.ResizeMode)
        {
            case ResizeMode.CenterCrop:
            {
                // The largest centred region with the target aspect ratio, in integer pixels.
                double targetAspect = (double)width / height;
                int cropWidth = source.Width, cropHeight = source.Height;
                if ((double)source.Width / source.Height > targetAspect)
                    cropWidth = Math.Max(1, (int)Math.Round(source.Height * targetAspect));
                else
                    cropHeight = Math.Max(1, (int)Math.Round(source.Width / targetAspect));
                var region = new Rect((source.Width - cropWidth) / 2, (source.Height - cropHeight) / 2, cropWidth, cropHeight);
                using Mat crop = new(source, region);
                Cv2.Resize(crop, _resized, new Size(width, height), 0, 0, _interpolation);
                return _resized;
            }
            case ResizeMode.Letterbox:
            {
                double scale = Math.Min((double)width / source.Width, (double)height / source.Height);
                int fitWidth = Math.Clamp((int)Math.Round(source.Width * scale), 1, width);
                int fitHeight = Math.Clamp((int)Math.Round(source.Height * scale), 1, height);
                Cv2.Resize(source, _fitted, new Size(fitWidth, fitHeight), 0, 0, _interpolation);
                _canvas.SetTo(Scalar.Black);
                using Mat window = new(_canvas, new Rect((width - fitWidth) / 2, (height - fitHeight) / 2, fitWidth, fitHeight));
                _fitted.CopyTo(window);
                return _canvas;
            }
            default:
                // An area resize by a whole factor takes OpenCV's fast path, and a large frame shrunk by a fraction
                // (640x480 to 28x28 is 22.9 x 17.1) does not: first shrink by whole factors to about four times the
                // size (WholeFactor), then the rest. 0.70 ms became 0.14 here; the pixels differ from one area resize by
                // 0.2 grey levels on average (docs/results.md, "Device speed, round two").
                int byX = WholeFactor(source.Width, width), byY = WholeFactor(source.Height, height);
                if (_interpolation == InterpolationFlags.Area && (byX > 1 || byY > 1))
                {
                    AllocationFreeCv.Resize(sourceArguments, _decimatedArguments, new Size(source.Width / byX, source.Height / byY), InterpolationFlags.Area);
                    AllocationFreeCv.Resize(_decimatedArguments, _resizedArguments, new Size(width, height), _interpolation);
                    return _resized;
                }
                AllocationFreeCv.Resize(sourceArguments, _resizedArguments, new Size(width, height), _interpolation);
                return _resized;
        }
    }

    /// <summary>
    /// A whole factor that divides <paramref name="length"/> and leaves at least four times <paramref name="target"/>
    /// (or, when no factor above 1 does, three, then two times): the larger the part left for the exact area resize,
    /// the closer the result to one area resize. 5 for 640 to 28 (128), 4 for 480 to 28 (120), 3 for 480 to 64 (160);
    /// 1 when there is none.
    /// </summary>
    public static int WholeFactor(int length, int target)
    {
        for (int multiple = 4; multiple >= 2; multiple--)
        {
            for (int factor = length / (multiple * Math.Max(target, 1)); factor > 1; factor--)
            {
                if (length % factor == 0) return factor;
            }
        }
        return 1;
    }

    private unsafe void WritePlanes(Mat image, bool reverseChannels, Span<float> destination) =>
        WritePlanes(Spec, (byte*)image.Ptr(0), image.Step(), _gain, _offset, reverseChannels, destination);

    /// <summary>
    /// The last step of <see cref="Prepare(Mat, Span{float})"/> on its own, without OpenCV: 8-bit pixels that are
    /// already at the spec's size and in its channel layout (interleaved rows, gray or the spec's channel order)
    /// become the CHW float tensor with the spec's scale, mean and std.
    /// </summary>
    public static unsafe void PrepareRaw(PreprocessingSpec spec, ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int rowBytes = spec.Width * spec.Channels;
        if (pixels.Length != rowBytes * spec.Height)
            throw new ArgumentException($"a raw frame of {pixels.Length} bytes is not {spec.Width}x{spec.Height}x{spec.Channels} (the model's input).", nameof(pixels));
        if (destination.Length != spec.TensorLength)
            throw new ArgumentException($"destination holds {destination.Length} floats; this spec needs {spec.TensorLength}.", nameof(destination));
        Span<float> gain = stackalloc float[spec.Channels], offset = stackalloc float[spec.Channels];
        for (int c = 0; c < spec.Channels; c++)
        {
            gain[c] = spec.Scale / spec.Std[c];
            offset[c] = -spec.Mean[c] / spec.Std[c];
        }
        fixed (byte* first = pixels) WritePlanes(spec, first, rowBytes, gain, offset, reverseChannels: false, destination);
    }

    // Interleaved rows (HWC bytes) to planes (CHW floats): pixel * gain + offset, per channel; plane c from the
    // pixel's channel c, or from its last but c (BGR pixels for an RGB model).
    private static unsafe void WritePlanes(PreprocessingSpec spec, byte* first, long stride, ReadOnlySpan<float> gains, ReadOnlySpan<float> offsets,
        bool reverseChannels, Span<float> destination)
    {
        int width = spec.Width, height = spec.Height, channels = spec.Channels;
        int plane = width * height;
        fixed (float* output = destination)
        {
            for (int y = 0; y < height; y++)
            {
                byte* row = first + y * stride;
                for (int c = 0; c < channels; c++)
                {
                    float gain = gains[c], offset = offsets[c];
                    float* target = output + c * plane + y * width;
                    byte* pixel = row + (reverseChannels ? channels - 1 - c : c);
                    for (int x = 0; x < width; x++, pixel += channels)
                        target[x] = *pixel * gain + offset;
                }
            }
        }
    }

    /// <summary>Releases the scratch images.</summary>
    public void Dispose()
    {
        _frameArguments.Dispose();
        _colourArguments.Dispose();
        _decimatedArguments.Dispose();
        _resizedArguments.Dispose();
        _colour.Dispose();
        _resized.Dispose();
        _decimated.Dispose();
        _fitted.Dispose();
        _canvas.Dispose();
    }
}
