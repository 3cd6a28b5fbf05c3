namespace EdgeCnn.Vision;

/// <summary>The top class of one frame and its probability.</summary>
/// <param name="ClassIndex">Index into <see cref="ModelManifest.Labels"/>.</param>
/// <param name="Probability">Softmax probability of that class, 0 to 1.</param>
public readonly record struct Classification(int ClassIndex, float Probability)
{
    /// <summary>
    /// The top class of <paramref name="scores"/> (probabilities or logits, in label order) with its score: the
    /// first of equal maxima, as PyTorch's argmax. The one argmax every EdgeCnn part uses.
    /// </summary>
    public static Classification Top(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++) if (scores[i] > scores[best]) best = i;
        return new Classification(best, scores.Length == 0 ? float.NaN : scores[best]);
    }
}
