namespace EdgeCnn.Device.Configuration;

/// <summary>
/// The part of each frame the model sees, as fractions of the frame (section <c>Source:Region</c>); the default is
/// the whole frame. Cropping happens before preprocessing, so the manifest's resize applies to the region.
/// </summary>
public sealed class RegionOptions
{
    /// <summary>Left edge, 0 to 1.</summary>
    public double X { get; set; }

    /// <summary>Top edge, 0 to 1.</summary>
    public double Y { get; set; }

    /// <summary>Width, 0 to 1 (X + Width at most 1).</summary>
    public double Width { get; set; } = 1;

    /// <summary>Height, 0 to 1 (Y + Height at most 1).</summary>
    public double Height { get; set; } = 1;

    /// <summary>Whether the region is the whole frame (nothing to crop).</summary>
    public bool IsWholeFrame => X == 0 && Y == 0 && Width == 1 && Height == 1;

    /// <summary>Checks the fractions; errors name the key.</summary>
    public void Validate(string key)
    {
        // NaN passes every comparison below as false: it would crop a one-pixel region without a word.
        if (!double.IsFinite(X) || !double.IsFinite(Y) || !double.IsFinite(Width) || !double.IsFinite(Height))
            throw new ArgumentException($"{key}:X, Y, Width and Height must be numbers (they are {X}, {Y}, {Width} and {Height}); use fractions of the frame from 0 to 1.");
        if (X is < 0 or >= 1 || Y is < 0 or >= 1)
            throw new ArgumentException($"{key}:X and {key}:Y are fractions of the frame; use 0 to below 1 (they are {X} and {Y}).");
        if (Width is <= 0 or > 1 || Height is <= 0 or > 1)
            throw new ArgumentException($"{key}:Width and {key}:Height are fractions of the frame; use above 0 up to 1 (they are {Width} and {Height}).");
        if (X + Width > 1.000001 || Y + Height > 1.000001)
            throw new ArgumentException($"{key} reaches outside the frame (X + Width = {X + Width}, Y + Height = {Y + Height}); keep both at most 1.");
    }
}
