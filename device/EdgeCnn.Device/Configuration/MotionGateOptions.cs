namespace EdgeCnn.Device.Configuration;

/// <summary>
/// Skipping inference while nothing moves (section <c>MotionGate</c>): off by default, because a still scene can
/// still change in ways this measure misses (a slow fade).
/// </summary>
public sealed class MotionGateOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MotionGate";

    /// <summary>Skip inference on frames like the last one classified, and reuse its result.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A frame is "unchanged" when the model's input (the region of interest, already shrunk to the model's size)
    /// differs from that of the last classified frame by less than this many grey levels on average (0..255 scale).
    /// </summary>
    public double Threshold { get; set; } = 1.5;

    /// <summary>Throws with the key and the fix when the threshold is out of range.</summary>
    public void Validate()
    {
        if (!(Threshold is > 0 and < 255))
            throw new ArgumentException($"{Section}:Threshold is {Threshold}; give the mean difference in grey levels (0 to 255) below which a frame counts as unchanged, e.g. 1.5.");
    }
}
