using EdgeCnn.Vision.Onnx.Proto;

namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// The ONNX graph as a layer sees it while it exports itself: the model's trained weights by their state-dict
/// names, nodes and weight initialisers to add, and the nodes of a nested list of layers (a branches block's paths).
/// The exporter implements it, so that the layers need nothing else of it.
/// </summary>
internal interface ILayerGraph
{
    /// <summary>The trained float tensors of the model, flattened, by state-dict name (conv_1.weight, ...).</summary>
    IReadOnlyDictionary<string, float[]> Trained { get; }

    /// <summary>Adds a node and returns the name of its (single) output.</summary>
    string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes);

    /// <summary>Adds a float weight initialiser; returns its name.</summary>
    string Weight(string name, float[] values, params long[] dims);

    /// <summary>Writes the nodes of <paramref name="layers"/> in order from <paramref name="input"/>; returns the last output.</summary>
    string Layers(string input, IReadOnlyList<PlannedLayer> layers);
}
