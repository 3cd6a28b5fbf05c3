namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// Where a layer stands while it is planned, as its errors name it: the architecture, the layer's name, type and
/// input shape (and, inside a branches block, the path), so a shape error points at the line to change.
/// </summary>
internal readonly record struct LayerSite(string Where)
{
    public InvalidDataException Error(string message) => new($"{Where}: {message}");

    /// <summary>Throws unless <paramref name="input"/> is a feature map (C, H, W).</summary>
    public void RequireMap(FeatureShape input)
    {
        if (input.IsFlat) throw Error("needs a feature map (C, H, W) but the input is already flat; move it before 'flatten'.");
    }
}
