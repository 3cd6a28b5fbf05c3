namespace EdgeCnn.Vision;

/// <summary>
/// A model's class activation maps (Zhou et al., 2016), for nets that end in global average pooling and one dense
/// layer (or a conv with one filter per class): the model has a second output, its last feature maps A (C×H×W), and
/// the map of class c is Σₖ w[c,k]·Aₖ, with w the dense layer's weights. No gradients: the device can afford it.
/// </summary>
public sealed record ClassActivationMapSpec
{
    /// <summary>The model output that holds the feature maps.</summary>
    public string Output { get; init; } = "features";

    /// <summary>Feature maps (C).</summary>
    public int Channels { get; init; }

    /// <summary>Their height.</summary>
    public int Height { get; init; }

    /// <summary>Their width.</summary>
    public int Width { get; init; }

    /// <summary>w: classes × channels, row by row (class 0's weights first).</summary>
    public float[] Weights { get; init; } = [];

    /// <summary>Throws naming the field when the description does not fit <paramref name="classes"/> classes.</summary>
    public void Validate(string source, int classes)
    {
        if (string.IsNullOrWhiteSpace(Output)) throw new InvalidDataException($"{source}: cam.output is empty; it names the model's feature-map output.");
        if (Channels < 1 || Height < 1 || Width < 1)
            throw new InvalidDataException($"{source}: cam.channels, cam.height and cam.width must be positive (got {Channels}, {Height}, {Width}).");
        if (Weights.Length != classes * Channels)
            throw new InvalidDataException($"{source}: cam.weights holds {Weights.Length} values; it needs classes × channels = {classes} × {Channels}. Re-export with --cam.");
    }
}
