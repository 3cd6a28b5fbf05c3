namespace EdgeCnn.Trainer.Architecture;

/// <summary>A layer with its widths resolved and its shapes, parameter count and multiply-accumulates known.</summary>
internal sealed record PlannedLayer(LayerSpec Layer, FeatureShape Input, FeatureShape Output, long Parameters, long Macs)
{
    public string Name => Layer.Name!;

    /// <summary>A <see cref="BranchesLayer"/>'s paths, planned (their layers named BLOCK.pK.LAYER); empty otherwise.</summary>
    public IReadOnlyList<IReadOnlyList<PlannedLayer>> Paths { get; init; } = [];

    /// <summary>For padding "same"/"valid"/N on a conv of the given kernel.</summary>
    public static int ResolvePadding(ConvLayer conv) => conv.Padding switch
    {
        "same" => conv.Kernel / 2,
        "valid" => 0,
        _ => int.Parse(conv.Padding, System.Globalization.CultureInfo.InvariantCulture),
    };
}
