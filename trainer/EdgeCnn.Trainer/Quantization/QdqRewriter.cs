using System.Runtime.InteropServices;
using EdgeCnn.Vision.Onnx.Proto;
using Google.Protobuf;
using DataType = EdgeCnn.Vision.Onnx.Proto.TensorProto.Types.DataType;

namespace EdgeCnn.Trainer.Quantization;

/// <summary>
/// Rewrites an fp32 model as a static int8 model in QDQ form, the layout ONNX Runtime fuses into integer kernels:
/// QuantizeLinear after each quantized value, a DequantizeLinear of its own in front of every consumer, and the
/// Conv/Gemm in between left as they are, so that DQ → Conv → Q becomes one QLinearConv when the model is loaded.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Weights: int8, symmetric, one scale per output channel (axis 0), zero point 0.</item>
/// <item>Biases: int32, scale = input scale × that channel's weight scale, zero point 0: exactly what the integer
/// kernel adds to its int32 accumulator.</item>
/// <item>Activations: int8 or uint8 (see <see cref="ActivationType"/>), asymmetric, from the calibrated range widened
/// to include 0 (so 0 is exact: padding).</item>
/// <item>A Relu right after a Conv, Gemm or Add disappears into the quantization range of its producer: that range
/// starts at 0, so the int8 clamp at the zero point is the Relu.</item>
/// <item>MaxPool and Flatten pass int8 through unchanged (same scale and zero point in and out), so ONNX Runtime runs
/// them on int8; the average pools and Add get their own output ranges (QLinearGlobalAveragePool, QLinearAdd).</item>
/// <item>A Gemm whose result only float nodes read (the last layer before Softmax or the output) keeps a float
/// output: the logits are not rounded to 256 levels.</item>
/// <item>Everything else (Softmax, Tanh, Sigmoid, BatchNormalization, the layers named to keep) runs in float.</item>
/// </list>
/// </remarks>
internal static class QdqRewriter
{
    private static readonly HashSet<string> WeightedOperators = ["Conv", "Gemm"];
    private static readonly HashSet<string> PassThroughOperators = ["MaxPool", "Flatten"];
    private static readonly HashSet<string> RangedOperators = ["AveragePool", "GlobalAveragePool", "Add"];

    /// <summary>One 8-bit quantization of a value: real = (q − zeroPoint) × scale, q in [−128, 127] or [0, 255].</summary>
    public readonly record struct Quantization(float Scale, int ZeroPoint, bool Unsigned)
    {
        /// <summary>The parameters that cover [min, max] widened to include 0, in int8 or uint8.</summary>
        public static Quantization ForRange(float min, float max, bool unsigned)
        {
            double low = Math.Min(0, min), high = Math.Max(0, max);
            double scale = (high - low) / 255.0;
            int lowest = unsigned ? 0 : -128;
            if (scale <= 0 || !double.IsFinite(scale)) return new Quantization(1f, unsigned ? 128 : 0, unsigned);
            return new Quantization((float)scale, (int)Math.Clamp(Math.Round(lowest - low / scale), lowest, lowest + 255), unsigned);
        }

        /// <summary>The zero point as the one-element tensor QuantizeLinear's output type comes from.</summary>
        public TensorProto ZeroPointTensor(string name) => Unsigned
            ? new TensorProto { Name = name, DataType = (int)DataType.Uint8, RawData = ByteString.CopyFrom([(byte)ZeroPoint]) }
            : new TensorProto { Name = name, DataType = (int)DataType.Int8, RawData = ByteString.CopyFrom([unchecked((byte)(sbyte)ZeroPoint)]) };
    }

    /// <summary>The layer a node belongs to: the node name up to its '/' (the exporter names nodes LAYER/Op_N).</summary>
    public static string LayerOf(NodeProto node) => node.Name.Split('/')[0];

    /// <summary>The layers whose nodes <see cref="Rewrite"/> would quantize, in graph order.</summary>
    public static IReadOnlyList<string> QuantizableLayers(ModelProto model) =>
        [.. model.Graph.Node.Where(n => WeightedOperators.Contains(n.OpType)).Select(LayerOf).Distinct()];

    /// <summary>
    /// The int8 QDQ twin of <paramref name="fp32"/> given every tensor's calibrated range; layers named in
    /// <paramref name="keepFloat"/> stay in float.
    /// </summary>
    public static ModelProto Rewrite(ModelProto fp32, IReadOnlyDictionary<string, (float Min, float Max)> ranges, IReadOnlySet<string> keepFloat,
        ActivationType activations)
    {
        ModelProto model = fp32.Clone();
        GraphProto graph = model.Graph;
        var weights = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var nodes = graph.Node.ToList();
        bool Quantized(NodeProto n) =>
            !keepFloat.Contains(LayerOf(n)) &&
            (PassThroughOperators.Contains(n.OpType) || RangedOperators.Contains(n.OpType) ||
             (WeightedOperators.Contains(n.OpType) && weights.ContainsKey(n.Input[1]) && (n.OpType != "Gemm" || IsTransposedGemm(n))));
        FoldRelus(nodes, graph, Quantized);
        Quantization Ranged(string name) =>
            ranges.TryGetValue(name, out var r) ? Quantization.ForRange(r.Min, r.Max, activations == ActivationType.Uint8)
                : throw new InvalidOperationException($"no calibrated range for '{name}'.");
        Dictionary<string, Quantization> parameters = ChooseQuantizedValues(graph, nodes, weights, Quantized, Ranged);
        var added = new List<TensorProto>();
        var replacedWeights = new HashSet<string>(StringComparer.Ordinal);
        List<NodeProto> rewritten = InsertQuantizeNodes(graph.Input[0].Name, nodes, parameters, Quantized, weights, added, replacedWeights);

        graph.Node.Clear();
        graph.Node.AddRange(rewritten);
        var keptWeights = graph.Initializer.Where(t => !replacedWeights.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(keptWeights);
        graph.Initializer.AddRange(added);
        return model;
    }

    // Which values become int8, and with what parameters (in graph order, so a pass-through sees its input's).
    private static Dictionary<string, Quantization> ChooseQuantizedValues(GraphProto graph, List<NodeProto> nodes, Dictionary<string, TensorProto> weights,
        Func<NodeProto, bool> quantized, Func<string, Quantization> ranged)
    {
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (NodeProto node in nodes)
            foreach (string input in node.Input.Where(i => !weights.ContainsKey(i)))
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(node);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        var parameters = new Dictionary<string, Quantization>(StringComparer.Ordinal);
        string modelInput = graph.Input[0].Name;
        if (consumers.GetValueOrDefault(modelInput)?.Any(quantized) == true) parameters[modelInput] = ranged(modelInput);
        foreach (NodeProto node in nodes.Where(quantized))
        {
            foreach (string input in node.Input.Where(i => !weights.ContainsKey(i) && !parameters.ContainsKey(i))) parameters[input] = ranged(input);
            string output = node.Output[0];
            if (graphOutputs.Contains(output)) continue;
            bool readByQuantized = consumers.GetValueOrDefault(output)?.Any(quantized) == true;
            if (node.OpType == "Gemm" && !readByQuantized) continue;
            parameters[output] = PassThroughOperators.Contains(node.OpType) ? parameters[node.Input[0]] : ranged(output);
        }
        return parameters;
    }

    // The nodes in order with a QuantizeLinear after every quantized value and a DequantizeLinear of its own in front of
    // each reader; the weights of quantized Conv/Gemm nodes are replaced by int8 ones (added, their fp32 names replaced).
    private static List<NodeProto> InsertQuantizeNodes(string modelInput, List<NodeProto> nodes, Dictionary<string, Quantization> parameters,
        Func<NodeProto, bool> quantized, Dictionary<string, TensorProto> weights, List<TensorProto> added, HashSet<string> replacedWeights)
    {
        var rewritten = new List<NodeProto>();
        void QuantizeValue(string name)
        {
            if (!parameters.TryGetValue(name, out Quantization q)) return;
            added.Add(Scalar($"{name}_scale", q.Scale));
            added.Add(q.ZeroPointTensor($"{name}_zero_point"));
            rewritten.Add(NewNode("QuantizeLinear", $"{name}/QuantizeLinear", [name, $"{name}_scale", $"{name}_zero_point"], $"{name}_quantized"));
        }
        QuantizeValue(modelInput);
        int next = 0;
        foreach (NodeProto node in nodes)
        {
            bool isQuantized = quantized(node);
            string activation = node.Input[0];
            for (int i = 0; i < node.Input.Count; i++)
            {
                string input = node.Input[i];
                if (parameters.ContainsKey(input))
                {
                    string dequantized = $"{input}_dequantized_{next++}";
                    rewritten.Add(NewNode("DequantizeLinear", $"{dequantized}/DequantizeLinear",
                        [$"{input}_quantized", $"{input}_scale", $"{input}_zero_point"], dequantized));
                    node.Input[i] = dequantized;
                }
            }
            if (isQuantized && WeightedOperators.Contains(node.OpType))
                QuantizeWeights(node, parameters[activation].Scale, weights, rewritten, added, replacedWeights);
            rewritten.Add(node);
            QuantizeValue(node.Output[0]);
        }
        return rewritten;
    }

    // A Relu that is the only reader of a quantized Conv/Gemm/Add's output is removed; the producer writes the
    // Relu's output name, whose calibrated range (from 0) then quantizes it.
    private static void FoldRelus(List<NodeProto> nodes, GraphProto graph, Func<NodeProto, bool> quantized)
    {
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            NodeProto producer = nodes[i];
            if (producer.OpType is not ("Conv" or "Gemm" or "Add") || !quantized(producer) || graphOutputs.Contains(producer.Output[0])) continue;
            var readers = nodes.Where(n => n.Input.Contains(producer.Output[0])).ToList();
            if (readers is not [{ OpType: "Relu" } relu] || graphOutputs.Contains(relu.Output[0])) continue;
            // A Gemm read only by float nodes keeps a float output (see Rewrite): nothing would clamp it.
            if (producer.OpType == "Gemm" && !nodes.Any(n => n.Input.Contains(relu.Output[0]) && quantized(n))) continue;
            producer.Output[0] = relu.Output[0];
            nodes.Remove(relu);
        }
    }

    private static bool IsTransposedGemm(NodeProto gemm) =>
        gemm.Attribute.Any(a => a.Name == "transB" && a.I == 1) &&
        !gemm.Attribute.Any(a => a.Name is "transA" && a.I != 0) &&
        !gemm.Attribute.Any(a => a.Name is "alpha" or "beta" && a.F != 1f);

    private static void QuantizeWeights(NodeProto node, float inputScale, Dictionary<string, TensorProto> weights,
        List<NodeProto> rewritten, List<TensorProto> added, HashSet<string> replaced)
    {
        TensorProto weight = weights[node.Input[1]];
        float[] w = Floats(weight);
        int channels = (int)weight.Dims[0];
        int perChannel = w.Length / channels;
        var scales = new float[channels];
        var q = new sbyte[w.Length];
        for (int c = 0; c < channels; c++)
        {
            float largest = 0;
            for (int k = 0; k < perChannel; k++) largest = Math.Max(largest, Math.Abs(w[c * perChannel + k]));
            scales[c] = largest > 0 ? largest / 127f : 1f;
            for (int k = 0; k < perChannel; k++)
                q[c * perChannel + k] = (sbyte)Math.Clamp(Math.Round(w[c * perChannel + k] / scales[c]), -127, 127);
        }
        string name = weight.Name;
        added.Add(Int8s($"{name}_quantized", q, [.. weight.Dims]));
        added.Add(Floats1($"{name}_scale", scales));
        added.Add(Int8s($"{name}_zero_point", new sbyte[channels], channels));
        rewritten.Add(NewNode("DequantizeLinear", $"{name}/DequantizeLinear", [$"{name}_quantized", $"{name}_scale", $"{name}_zero_point"],
            $"{name}_dequantized", Axis0()));
        replaced.Add(name);
        node.Input[1] = $"{name}_dequantized";

        if (node.Input.Count < 3 || !weights.TryGetValue(node.Input[2], out TensorProto? bias)) return;
        // The bias is added to the int32 accumulator of input × weight, so it lives on that product's scale.
        float[] b = Floats(bias);
        var biasScales = new float[channels];
        var quantizedBias = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            biasScales[c] = inputScale * scales[c];
            quantizedBias[c] = (int)Math.Clamp(Math.Round(b[c] / biasScales[c]), int.MinValue + 1, int.MaxValue);
        }
        string biasName = bias.Name;
        var int32 = new TensorProto { Name = $"{biasName}_quantized", DataType = (int)DataType.Int32, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(quantizedBias.AsSpan())) };
        int32.Dims.Add(channels);
        added.Add(int32);
        added.Add(Floats1($"{biasName}_scale", biasScales));
        var zeros = new TensorProto { Name = $"{biasName}_zero_point", DataType = (int)DataType.Int32, RawData = ByteString.CopyFrom(new byte[4 * channels]) };
        zeros.Dims.Add(channels);
        added.Add(zeros);
        rewritten.Add(NewNode("DequantizeLinear", $"{biasName}/DequantizeLinear", [$"{biasName}_quantized", $"{biasName}_scale", $"{biasName}_zero_point"],
            $"{biasName}_dequantized", Axis0()));
        replaced.Add(biasName);
        node.Input[2] = $"{biasName}_dequantized";
    }

    private static AttributeProto Axis0() => new() { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 };

    private static NodeProto NewNode(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static float[] Floats(TensorProto tensor) =>
        tensor.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() : [.. tensor.FloatData];

    private static TensorProto Scalar(string name, float value) =>
        new() { Name = name, DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(value)) };

    private static TensorProto Floats1(string name, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(values.Length);
        return tensor;
    }

    /// <summary>An int8 tensor; no dims makes a scalar.</summary>
    private static TensorProto Int8s(string name, sbyte[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int8, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
