using EdgeCnn.Trainer.Layers;
using EdgeCnn.Vision.Onnx.Proto;

namespace EdgeCnn.Trainer.Onnx;

/// <summary>The graph the layers export themselves into: an <see cref="OnnxGraphBuilder"/> and the model's trained weights.</summary>
internal sealed class OnnxLayerGraph(OnnxGraphBuilder graph, IReadOnlyDictionary<string, float[]> trained) : ILayerGraph
{
    public IReadOnlyDictionary<string, float[]> Trained => trained;

    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        graph.Node(opType, name, inputs, attributes);

    public string Weight(string name, float[] values, params long[] dims) => graph.Weight(name, values, dims);

    // The network, or one path of a branches block: each layer reads the one before; a layer that folds its
    // successor in (a conv and the batch norm after it) writes both.
    public string Layers(string input, IReadOnlyList<PlannedLayer> layers)
    {
        string current = input;
        for (int i = 0; i < layers.Count; i++)
        {
            PlannedLayer? next = i + 1 < layers.Count ? layers[i + 1] : null;
            ExportedLayer exported = layers[i].Layer.Export(this, layers[i], next, current);
            current = exported.Output;
            if (exported.FoldedNext) i++;
        }
        return current;
    }
}
