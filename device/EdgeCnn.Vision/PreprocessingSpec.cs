using System.Text.Json.Serialization;

namespace EdgeCnn.Vision;

/// <summary>
/// Everything that decides how pixels become the network's input tensor. The trainer writes it into every run and
/// manifest; the device reads it back; <see cref="ImagePreprocessor"/> is the only code that applies it.
/// </summary>
public sealed record PreprocessingSpec
{
    /// <summary>Input width in pixels.</summary>
    public int Width { get; init; }

    /// <summary>Input height in pixels.</summary>
    public int Height { get; init; }

    /// <summary>1 for grayscale, 3 for colour.</summary>
    public int Channels { get; init; }

    /// <summary>Plane order for colour inputs; ignored for grayscale.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    /// <summary>How frames of another size or aspect ratio are fitted.</summary>
    public ResizeMode ResizeMode { get; init; } = ResizeMode.Stretch;

    /// <summary>The resampling filter used when resizing.</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Area;

    /// <summary>Each 8-bit pixel value is multiplied by this before normalisation (1/255 maps to [0, 1]).</summary>
    public float Scale { get; init; } = 1f / 255f;

    /// <summary>Per-channel mean subtracted after scaling (one value per channel, in tensor channel order).</summary>
    public float[] Mean { get; init; } = [];

    /// <summary>Per-channel standard deviation divided by after the mean is subtracted.</summary>
    public float[] Std { get; init; } = [];

    /// <summary>Number of floats in one image's tensor (C*H*W).</summary>
    [JsonIgnore]
    public int TensorLength => Channels * Height * Width;

    /// <summary>A spec that maps 8-bit pixels to [0, 1] with no further normalisation.</summary>
    public static PreprocessingSpec Unit(int width, int height, int channels) => new()
    {
        Width = width,
        Height = height,
        Channels = channels,
        Mean = Enumerable.Repeat(0f, channels).ToArray(),
        Std = Enumerable.Repeat(1f, channels).ToArray(),
    };

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and the bad field.</summary>
    public void Validate(string source)
    {
        void Fail(string field, string why) =>
            throw new InvalidDataException($"{source}: preprocessing.{field} {why}");

        if (Width is < 1 or > 4096) Fail("width", $"is {Width}; it must be between 1 and 4096 pixels.");
        if (Height is < 1 or > 4096) Fail("height", $"is {Height}; it must be between 1 and 4096 pixels.");
        if (Channels is not (1 or 3)) Fail("channels", $"is {Channels}; use 1 (grayscale) or 3 (colour).");
        if (!(Scale > 0 && float.IsFinite(Scale))) Fail("scale", $"is {Scale}; it must be a positive number such as 0.00392157 (1/255).");
        if (Mean is null || Mean.Length != Channels)
            Fail("mean", $"has {Mean?.Length ?? 0} values; give one per channel ({Channels}).");
        if (Std is null || Std.Length != Channels)
            Fail("std", $"has {Std?.Length ?? 0} values; give one per channel ({Channels}).");
        if (Std!.Any(s => !(s > 0 && float.IsFinite(s)))) Fail("std", "must contain only positive numbers.");
        if (Mean!.Any(m => !float.IsFinite(m))) Fail("mean", "must contain only finite numbers.");
        if (!Enum.IsDefined(ChannelOrder)) Fail("channelOrder", "must be \"rgb\" or \"bgr\".");
        if (!Enum.IsDefined(ResizeMode)) Fail("resizeMode", "must be \"stretch\", \"center-crop\" or \"letterbox\".");
        if (!Enum.IsDefined(Interpolation)) Fail("interpolation", "must be \"area\", \"linear\" or \"nearest\".");
    }
}
