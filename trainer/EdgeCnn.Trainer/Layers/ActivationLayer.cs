namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// An element-wise activation: the shape passes through, there is nothing to learn, and ONNX has an operator
/// of its own for it. Each activation names that operator and its TorchSharp module.
/// </summary>
internal abstract record ActivationLayer : LayerSpec
{
    /// <summary>The ONNX operator: Relu, Tanh, ...</summary>
    private protected abstract string OnnxOperator { get; }

    internal sealed override StageRole Stage => StageRole.Follows;

    internal sealed override PlannedLayer Plan(FeatureShape input, LayerSite site) => new(this, input, input, 0, 0);

    internal sealed override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input) =>
        new(graph.Node(OnnxOperator, step.Name, [input]));
}
