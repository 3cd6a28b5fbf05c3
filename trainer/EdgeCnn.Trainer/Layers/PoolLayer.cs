namespace EdgeCnn.Trainer.Layers;

/// <summary>A pooling window slid over a feature map: max and average pooling check and shape it alike.</summary>
internal abstract record PoolLayer : LayerSpec
{
    /// <summary>The window's size, its stride and the pixels added on each side.</summary>
    private protected abstract (int Size, int Stride, int Pad) Window();

    internal sealed override StageRole Stage => StageRole.Alone;

    internal sealed override PlannedLayer Plan(FeatureShape input, LayerSite site)
    {
        site.RequireMap(input);
        (int size, int stride, int pad) = Window();
        if (size < 1 || stride < 1) throw site.Error("size and stride must be at least 1.");
        if (pad < 0 || 2 * pad > size) throw site.Error($"padding {pad} must be between 0 and half the window ({size / 2}).");
        if (size > input.Height + 2 * pad || size > input.Width + 2 * pad) throw site.Error($"a {size}x{size} window is larger than the input; remove a downsampling layer or use a larger input.");
        var output = FeatureShape.Map(input.Channels, (input.Height + 2 * pad - size) / stride + 1, (input.Width + 2 * pad - size) / stride + 1);
        return new(this, input, output, 0, 0);
    }
}
