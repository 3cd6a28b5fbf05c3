using EdgeCnn.Trainer.Layers;
using EdgeCnn.Vision.Onnx.Proto;
using Google.Protobuf;

namespace EdgeCnn.Trainer.Onnx;

/// <summary>Accumulates ONNX nodes and weight initializers, naming every intermediate value uniquely.</summary>
internal sealed class OnnxGraphBuilder
{
    private int _next;

    public List<NodeProto> Nodes { get; } = [];
    public List<TensorProto> Initializers { get; } = [];

    /// <summary>Adds a float weight tensor stored as little-endian raw bytes; returns its name.</summary>
    public string Weight(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        Initializers.Add(tensor);
        return name;
    }

    /// <summary>Adds a node and returns the name of its (single) output.</summary>
    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        // One counter keeps both the value and the node name unique (a residual block emits several Relu nodes).
        int id = _next++;
        string output = $"{name}_{opType.ToLowerInvariant()}_{id}";
        var node = new NodeProto { OpType = opType, Name = $"{name}/{opType}_{id}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Nodes.Add(node);
        return output;
    }

    // The attributes are made where the layers can reach them (Layers cannot use this namespace); these keep the
    // exporter's own nodes and other callers as they were.
    public static AttributeProto Ints(string name, params long[] values) => OnnxAttributes.Ints(name, values);

    public static AttributeProto Int(string name, long value) => OnnxAttributes.Int(name, value);

    public static AttributeProto Float(string name, float value) => OnnxAttributes.Float(name, value);
}
