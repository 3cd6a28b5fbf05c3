using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>The TorchSharp module for a <see cref="ResidualLayer"/>.</summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? shortcut;

    public ResidualBlock(string name, int inputs, ResidualLayer layer) : base(name)
    {
        (int filters, int stride) = (layer.Filters, layer.Stride);
        conv1 = nn.Conv2d(inputs, filters, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(filters);
        conv2 = nn.Conv2d(filters, filters, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(filters);
        if (layer.HasProjection(inputs))
            shortcut = nn.Sequential(("conv", nn.Conv2d(inputs, filters, 1, stride: stride, bias: false)), ("bn", nn.BatchNorm2d(filters)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor main = bn2.forward(conv2.forward(nn.functional.relu(bn1.forward(conv1.forward(input)))));
        Tensor skip = shortcut is null ? input : shortcut.forward(input);
        return nn.functional.relu(main.add_(skip)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            conv2.Dispose();
            bn2.Dispose();
            shortcut?.Dispose();
        }
        base.Dispose(disposing);
    }
}
