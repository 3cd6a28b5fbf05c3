namespace EdgeCnn.Trainer.Architecture;

/// <summary>An image input size: channels, height and width.</summary>
internal sealed record InputShape(int Channels, int Height, int Width)
{
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
