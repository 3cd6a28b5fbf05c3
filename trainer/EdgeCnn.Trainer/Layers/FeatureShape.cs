namespace EdgeCnn.Trainer.Layers;

/// <summary>The shape of one sample between layers: a feature map (C, H, W) or a flat vector (N).</summary>
internal readonly record struct FeatureShape(int Channels, int Height, int Width, bool IsFlat)
{
    public static FeatureShape Map(int channels, int height, int width) => new(channels, height, width, false);

    public static FeatureShape Vector(int length) => new(length, 1, 1, true);

    public long Elements => (long)Channels * Height * Width;

    public override string ToString() => IsFlat ? $"({Channels})" : $"({Channels}, {Height}, {Width})";
}
