namespace EdgeCnn.Vision;

/// <summary>
/// The confidence below which a frame is "unknown": the model saw nothing it was trained on well enough to name.
/// Calibrated by the trainer on the validation split and carried in the manifest.
/// </summary>
/// <remarks>
/// The score is the max-softmax probability, not the energy score: the device already computes the softmax for
/// its rules, so the threshold lives on the same 0..1 scale as every rule's <c>Threshold</c>, can be compared with
/// them by eye, and works for models exported with probabilities as well as logits.
/// </remarks>
public sealed record OpenSetThreshold
{
    /// <summary>What is compared with <see cref="Threshold"/>: always <c>max-softmax</c> in this format.</summary>
    public string Score { get; init; } = MaxSoftmax;

    /// <summary>Frames whose top-class probability is below this are unknown.</summary>
    public float Threshold { get; init; }

    /// <summary>The share of correctly classified validation items the threshold keeps (0.99 by default).</summary>
    public double KeptCorrect { get; init; }

    /// <summary>Where it was calibrated, e.g. "validation split (scene-composited), 6,000 images".</summary>
    public string CalibratedOn { get; init; } = "";

    /// <summary>The only score this format knows.</summary>
    public const string MaxSoftmax = "max-softmax";

    /// <summary>Whether a frame whose top-class probability is <paramref name="topProbability"/> is unknown.</summary>
    public bool Rejects(float topProbability) => topProbability < Threshold;

    internal void Validate(string source)
    {
        if (Score != MaxSoftmax)
            throw new InvalidDataException($"{source}: openSet.score is '{Score}'; this EdgeCnn knows only '{MaxSoftmax}'. Re-export the model with a matching trainer.");
        if (Threshold is < 0 or > 1 || float.IsNaN(Threshold))
            throw new InvalidDataException($"{source}: openSet.threshold is {Threshold}; it is a probability from 0 to 1.");
    }
}
