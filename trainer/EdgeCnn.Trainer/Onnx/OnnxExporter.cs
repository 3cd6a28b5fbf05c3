using System.Text.Json;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Vision.Onnx.Proto;
using EdgeCnn.Vision;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;
using G = EdgeCnn.Trainer.Onnx.OnnxGraphBuilder;

namespace EdgeCnn.Trainer.Onnx;

/// <summary>
/// Writes a trained network as an ONNX model from its plan and weights: Conv (batch norm folded in), Gemm,
/// activations, pools, Flatten, residual Add; Dropout disappears. TorchSharp has no exporter of its own.
/// </summary>
internal static class OnnxExporter
{
    public const int Opset = 13;
    private const long IrVersion = 7; // the IR that opset 13 belongs to
    private const double BatchNormEpsilon = 1e-5; // TorchSharp's BatchNorm default, used by every preset and file

    /// <param name="cam">
    /// Also output the feature maps that the final global average pooling reads, under this name, for class
    /// activation maps on the device (see <see cref="Inspection.ClassActivationMap"/>); null for none.
    /// </param>
    public static byte[] Export(NetworkPlan plan, nn.Module model, IReadOnlyList<string> classes, OutputKind output,
        string inputName = "input", string outputName = "output", ClassActivationMapSpec? cam = null)
    {
        Dictionary<string, float[]> weights = ReadWeights(model);
        var graph = new G();
        string current = Layers(graph, weights, inputName, plan.Layers);
        graph.Node(output == OutputKind.Probabilities ? "Softmax" : "Identity", "head", [current],
            output == OutputKind.Probabilities ? [G.Int("axis", 1)] : []);
        graph.Nodes[^1].Output[0] = outputName;
        if (cam is not null)
        {
            string pooled = graph.Nodes.Last(n => n.OpType == "GlobalAveragePool").Input[0];
            graph.Node("Identity", "cam", [pooled]);
            graph.Nodes[^1].Output[0] = cam.Output;
        }
        byte[] bytes = Model(plan, classes, output, graph, inputName, outputName);
        if (cam is null) return bytes;
        ModelProto withMaps = ModelProto.Parser.ParseFrom(bytes);
        withMaps.Graph.Output.Add(Value(cam.Output, cam.Channels, cam.Height, cam.Width));
        return withMaps.ToByteArray();
    }

    // The nodes of a list of layers (the network, or one path of a branches block) from input; returns the last output.
    private static string Layers(G graph, Dictionary<string, float[]> weights, string input, IReadOnlyList<PlannedLayer> layers)
    {
        string current = input;
        for (int i = 0; i < layers.Count; i++)
        {
            PlannedLayer step = layers[i];
            string name = step.Name;
            switch (step.Layer)
            {
                case ConvLayer conv:
                {
                    // A batch norm right after a conv folds into the conv's weights and bias.
                    string? foldedBn = i + 1 < layers.Count && layers[i + 1].Layer is BatchNormLayer ? layers[i + 1].Name : null;
                    int pad = PlannedLayer.ResolvePadding(conv);
                    current = Conv(graph, weights, current, name, foldedBn, step.Input.Channels, conv.Filters, conv.Kernel, conv.Stride, pad, conv.Groups);
                    if (foldedBn is not null) i++;
                    break;
                }
                case BatchNormLayer:
                {
                    // Nothing to fold into: ONNX BatchNormalization takes (N, C, H, W) feature maps and (N, C) vectors alike.
                    int c = step.Input.Channels;
                    current = graph.Node("BatchNormalization", name,
                        [current, graph.Weight($"{name}.weight", weights[$"{name}.weight"], c), graph.Weight($"{name}.bias", weights[$"{name}.bias"], c),
                         graph.Weight($"{name}.running_mean", weights[$"{name}.running_mean"], c), graph.Weight($"{name}.running_var", weights[$"{name}.running_var"], c)],
                        G.Float("epsilon", (float)BatchNormEpsilon));
                    break;
                }
                case ReluLayer: current = graph.Node("Relu", name, [current]); break;
                case TanhLayer: current = graph.Node("Tanh", name, [current]); break;
                case SigmoidLayer: current = graph.Node("Sigmoid", name, [current]); break;
                case MaxPoolLayer m:
                    current = graph.Node("MaxPool", name, [current], G.Ints("kernel_shape", m.Size, m.Size), G.Ints("strides", m.Stride ?? m.Size, m.Stride ?? m.Size),
                        G.Ints("pads", m.Padding, m.Padding, m.Padding, m.Padding));
                    break;
                case AvgPoolLayer a:
                    current = graph.Node("AveragePool", name, [current], G.Ints("kernel_shape", a.Size, a.Size), G.Ints("strides", a.Stride ?? a.Size, a.Stride ?? a.Size));
                    break;
                case GlobalAvgPoolLayer: current = graph.Node("GlobalAveragePool", name, [current]); break;
                case FlattenLayer: current = graph.Node("Flatten", name, [current], G.Int("axis", 1)); break;
                case DenseLayer d:
                {
                    var inputs = new List<string> { current, graph.Weight($"{name}.weight", weights[$"{name}.weight"], d.Units, step.Input.Channels) };
                    if (d.Bias) inputs.Add(graph.Weight($"{name}.bias", weights[$"{name}.bias"], d.Units));
                    current = graph.Node("Gemm", name, inputs, G.Int("transB", 1));
                    break;
                }
                case DropoutLayer:
                    break; // identity at inference
                case ResidualLayer r:
                {
                    int c = step.Input.Channels, f = r.Filters;
                    string block = Conv(graph, weights, current, $"{name}.conv1", $"{name}.bn1", c, f, 3, r.Stride, 1, 1);
                    block = graph.Node("Relu", name, [block]);
                    block = Conv(graph, weights, block, $"{name}.conv2", $"{name}.bn2", f, f, 3, 1, 1, 1);
                    string shortcut = NetworkPlan.HasProjection(r, c)
                        ? Conv(graph, weights, current, $"{name}.shortcut.conv", $"{name}.shortcut.bn", c, f, 1, r.Stride, 0, 1)
                        : current;
                    current = graph.Node("Relu", name, [graph.Node("Add", name, [block, shortcut])]);
                    break;
                }
                case BranchesLayer:
                {
                    // Each path from the same input; an empty path is the input itself. Concat joins them channel-wise.
                    string from = current;
                    current = graph.Node("Concat", name, [.. step.Paths.Select(path => Layers(graph, weights, from, path))], G.Int("axis", 1));
                    break;
                }
                default:
                    throw new NotSupportedException($"layer '{name}' ({step.Layer.Type}) cannot be exported; supported: {string.Join(", ", LayerSpec.Types)}.");
            }
        }
        return current;
    }

    private static byte[] Model(NetworkPlan plan, IReadOnlyList<string> classes, OutputKind output, G graph, string inputName, string outputName)
    {
        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "edgecnn-train",
            ProducerVersion = TrainerInfo.Version,
            Domain = "org.edgecnn",
            ModelVersion = 1,
            DocString = $"{plan.Architecture.Name}, {plan.Parameters} parameters, input {plan.Input}, {classes.Count} classes.",
            Graph = new GraphProto { Name = plan.Architecture.Name },
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        onnx.Graph.Node.AddRange(graph.Nodes);
        onnx.Graph.Initializer.AddRange(graph.Initializers);
        onnx.Graph.Input.Add(Value(inputName, plan.Input.Channels, plan.Input.Height, plan.Input.Width));
        onnx.Graph.Output.Add(Value(outputName, classes.Count));
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = "architecture", Value = plan.Architecture.Name });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = JsonSerializer.Serialize(classes) });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = "output", Value = output == OutputKind.Probabilities ? "probabilities" : "logits" });
        return onnx.ToByteArray();
    }

    private static string Conv(G graph, Dictionary<string, float[]> weights, string input, string name, string? batchNorm,
        int inputs, int filters, int kernel, int stride, int pad, int groups)
    {
        float[] w = weights[$"{name}.weight"];
        float[] b = weights.TryGetValue($"{name}.bias", out float[]? bias) ? bias : new float[filters];
        if (batchNorm is not null)
        {
            (float[] scale, float[] shift) = BatchNormAffine(weights, batchNorm, filters);
            int perFilter = w.Length / filters;
            w = (float[])w.Clone();
            var folded = new float[filters];
            for (int o = 0; o < filters; o++)
            {
                for (int k = 0; k < perFilter; k++) w[o * perFilter + k] *= scale[o];
                folded[o] = b[o] * scale[o] + shift[o];
            }
            b = folded;
        }
        string wName = graph.Weight($"{name}.weight", w, filters, inputs / groups, kernel, kernel);
        string bName = graph.Weight($"{name}.bias", b, filters);
        return graph.Node("Conv", name, [input, wName, bName],
            G.Ints("kernel_shape", kernel, kernel), G.Ints("strides", stride, stride), G.Ints("pads", pad, pad, pad, pad),
            G.Ints("dilations", 1, 1), G.Int("group", groups));
    }

    /// <summary>Inference batch norm as y = x * scale + shift, computed in double.</summary>
    private static (float[] Scale, float[] Shift) BatchNormAffine(Dictionary<string, float[]> weights, string name, int channels)
    {
        float[] gamma = weights[$"{name}.weight"], beta = weights[$"{name}.bias"];
        float[] mean = weights[$"{name}.running_mean"], variance = weights[$"{name}.running_var"];
        var scale = new float[channels];
        var shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double s = gamma[c] / Math.Sqrt(variance[c] + BatchNormEpsilon);
            scale[c] = (float)s;
            shift[c] = (float)(beta[c] - mean[c] * s);
        }
        return (scale, shift);
    }

    private static Dictionary<string, float[]> ReadWeights(nn.Module model)
    {
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach ((string name, Tensor tensor) in model.state_dict())
        {
            if (tensor.dtype != ScalarType.Float32) continue; // num_batches_tracked
            weights[name] = tensor.detach().cpu().contiguous().data<float>().ToArray();
        }
        return weights;
    }

    private static ValueInfoProto Value(string name, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
