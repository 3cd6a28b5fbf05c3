using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>Builds the TorchSharp module for a <see cref="NetworkPlan"/>: one named child per layer.</summary>
internal static class NetworkBuilder
{
    public static Sequential Build(NetworkPlan plan)
    {
        var modules = plan.Layers.Select(step => (step.Name, Create(step))).ToArray();
        return nn.Sequential(modules);
    }

    internal static nn.Module<Tensor, Tensor> Create(PlannedLayer step) => step.Layer switch
    {
        ConvLayer c => nn.Conv2d(step.Input.Channels, c.Filters, c.Kernel, stride: c.Stride,
            padding: PlannedLayer.ResolvePadding(c), groups: c.Groups, bias: c.Bias),
        BatchNormLayer when step.Input.IsFlat => nn.BatchNorm1d(step.Input.Channels),
        BatchNormLayer => nn.BatchNorm2d(step.Input.Channels),
        ReluLayer => nn.ReLU(),
        TanhLayer => nn.Tanh(),
        SigmoidLayer => nn.Sigmoid(),
        MaxPoolLayer m => nn.MaxPool2d(m.Size, m.Stride ?? m.Size, m.Padding),
        AvgPoolLayer a => nn.AvgPool2d(a.Size, a.Stride ?? a.Size),
        GlobalAvgPoolLayer => nn.AdaptiveAvgPool2d(1),
        FlattenLayer => nn.Flatten(),
        DenseLayer d => nn.Linear(step.Input.Channels, d.Units, hasBias: d.Bias),
        DropoutLayer d => nn.Dropout(d.Rate),
        ResidualLayer r => new ResidualBlock(step.Name, step.Input.Channels, r.Filters, r.Stride),
        BranchesLayer => new Branches(step),
        _ => throw new InvalidDataException($"layer '{step.Name}': no TorchSharp module for {step.Layer.Type}."),
    };
}
