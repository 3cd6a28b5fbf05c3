namespace EdgeCnn.Vision;

/// <summary>The order of colour planes in a three-channel input tensor.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue planes (what most trained networks expect).</summary>
    Rgb,

    /// <summary>Blue, green, red planes (OpenCV's native order).</summary>
    Bgr,
}
