using EdgeCnn.Trainer.Layers;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>
/// An architecture checked against an input shape and a class count: every layer's output shape, parameters and
/// MACs. Building the TorchSharp module, the summary table and the exporter all start from a plan, so a shape
/// error is reported once, by layer name, before anything is allocated.
/// </summary>
internal sealed class NetworkPlan
{
    private NetworkPlan(ArchitectureSpec architecture, InputShape input, int classes, IReadOnlyList<PlannedLayer> layers, IReadOnlyList<string> headLayers)
    {
        Architecture = architecture;
        Input = input;
        Classes = classes;
        Layers = layers;
        HeadLayers = headLayers;
    }

    public ArchitectureSpec Architecture { get; }
    public InputShape Input { get; }
    public int Classes { get; }
    public IReadOnlyList<PlannedLayer> Layers { get; }

    /// <summary>Names of the layers whose width is the class count: what transfer learning replaces.</summary>
    public IReadOnlyList<string> HeadLayers { get; }

    public long Parameters => Layers.Sum(l => l.Parameters);
    public long Macs => Layers.Sum(l => l.Macs);

    public static NetworkPlan Create(ArchitectureSpec architecture, InputShape input, int classes)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "a classifier needs at least two classes.");
        if (input.Channels < 1 || input.Height < 1 || input.Width < 1)
            throw new ArgumentException($"input {input} must have positive channels, height and width.");
        if (architecture.Layers.Length == 0) throw new InvalidDataException($"{architecture.Name}: the architecture has no layers.");

        var shape = FeatureShape.Map(input.Channels, input.Height, input.Width);
        var planned = new List<PlannedLayer>();
        var head = new List<string>();
        foreach (LayerSpec raw in architecture.Layers)
        {
            string where = $"{architecture.Name}: layer '{raw.Name}' ({raw.Type}, input {shape})";
            LayerSpec layer = raw.WithClasses(classes);
            if (!ReferenceEquals(layer, raw)) head.Add(raw.Name!);
            PlannedLayer step = layer.Plan(shape, new LayerSite(where));
            planned.Add(step);
            shape = step.Output;
        }
        if (!shape.IsFlat || shape.Channels != classes)
            throw new InvalidDataException($"{architecture.Name}: the network's output is {shape}, but it must be a flat vector of {classes} values (one per class). End with 'flatten' and a dense layer of \"classes\" units (or a \"classes\"-filter conv, global average pooling and flatten).");
        return new NetworkPlan(architecture, input, classes, planned, head);
    }
}
