namespace EdgeCnn.Trainer.Layers;

/// <summary>A layer with its widths resolved and its shapes, parameter count and multiply-accumulates known.</summary>
internal sealed record PlannedLayer(LayerSpec Layer, FeatureShape Input, FeatureShape Output, long Parameters, long Macs)
{
    public string Name => Layer.Name!;

    /// <summary>A <see cref="BranchesLayer"/>'s paths, planned (their layers named BLOCK.pK.LAYER); empty otherwise.</summary>
    public IReadOnlyList<IReadOnlyList<PlannedLayer>> Paths { get; init; } = [];
}
