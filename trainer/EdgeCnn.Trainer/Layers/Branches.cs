using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>The TorchSharp module for a <see cref="BranchesLayer"/>: each path a Sequential (p0, p1, …), outputs concatenated.</summary>
internal sealed class Branches : nn.Module<Tensor, Tensor>
{
    private readonly List<Sequential> paths = [];

    public Branches(PlannedLayer step) : base(step.Name)
    {
        for (int k = 0; k < step.Paths.Count; k++)
        {
            // Registered as pK, each layer under the last part of its BLOCK.pK.LAYER name: the state keys are the plan's names.
            Sequential path = nn.Sequential(step.Paths[k].Select(inner => (inner.Name[(inner.Name.LastIndexOf('.') + 1)..], inner.Layer.Build(inner))).ToArray());
            register_module($"p{k}", path);
            paths.Add(path);
        }
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return cat([.. paths.Select(path => path.forward(input))], 1).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (Sequential path in paths) path.Dispose();
        base.Dispose(disposing);
    }
}
