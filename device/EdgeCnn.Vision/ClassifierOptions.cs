namespace EdgeCnn.Vision;

/// <summary>How ONNX Runtime runs the model.</summary>
public sealed record ClassifierOptions
{
    /// <summary>Threads for one inference. Two suits a Raspberry Pi 4/5 that also captures and decodes frames.</summary>
    public int IntraOpThreads { get; init; } = 2;

    /// <summary>
    /// Whether idle ONNX Runtime threads spin waiting for work. Off by default: on a small board spinning burns the
    /// cores the camera and the rest of the loop need, for a latency gain measured in microseconds.
    /// </summary>
    public bool AllowSpinning { get; init; }
}
