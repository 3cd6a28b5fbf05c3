namespace EdgeCnn.Vision;

/// <summary>The resampling filter used when an image is resized.</summary>
public enum Interpolation
{
    /// <summary>Pixel-area averaging: the best choice for shrinking camera frames (OpenCV INTER_AREA).</summary>
    Area,

    /// <summary>Bilinear interpolation (OpenCV INTER_LINEAR).</summary>
    Linear,

    /// <summary>Nearest neighbour (OpenCV INTER_NEAREST).</summary>
    Nearest,
}
