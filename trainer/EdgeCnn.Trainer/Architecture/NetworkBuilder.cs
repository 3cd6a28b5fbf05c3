using EdgeCnn.Trainer.Layers;
using TorchSharp;
using TorchSharp.Modules;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>Builds the TorchSharp module for a <see cref="NetworkPlan"/>: one named child per layer.</summary>
internal static class NetworkBuilder
{
    public static Sequential Build(NetworkPlan plan)
    {
        var modules = plan.Layers.Select(step => (step.Name, step.Layer.Build(step))).ToArray();
        return torch.nn.Sequential(modules);
    }
}
