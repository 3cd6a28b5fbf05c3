namespace EdgeCnn.Device.Loop;

/// <summary>
/// Says whether the loop should classify at full rate now or only now and then (a motion sensor that sees nothing):
/// frames in between are taken and not classified, which saves the processor and the power.
/// </summary>
public interface IFrameThrottle
{
    /// <summary>Whether to classify every frame now; called per frame, so it must not allocate.</summary>
    bool IsAwake { get; }

    /// <summary>The time between classified frames while not awake.</summary>
    TimeSpan IdleInterval { get; }
}
