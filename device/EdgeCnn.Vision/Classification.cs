namespace EdgeCnn.Vision;

/// <summary>The top class of one frame and its probability.</summary>
/// <param name="ClassIndex">Index into <see cref="ModelManifest.Labels"/>.</param>
/// <param name="Probability">Softmax probability of that class, 0 to 1.</param>
public readonly record struct Classification(int ClassIndex, float Probability);
