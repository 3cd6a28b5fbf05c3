namespace EdgeCnn.Vision;

/// <summary>What the model's output tensor holds.</summary>
public enum OutputKind
{
    /// <summary>Raw scores; apply softmax to get probabilities.</summary>
    Logits,

    /// <summary>Probabilities that sum to one (the model ends in a Softmax node).</summary>
    Probabilities,
}
