using System.Text.Json;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Layers;
using EdgeCnn.Vision.Onnx.Proto;
using EdgeCnn.Vision;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;
using G = EdgeCnn.Trainer.Onnx.OnnxGraphBuilder;

namespace EdgeCnn.Trainer.Onnx;

/// <summary>
/// Writes a trained network as an ONNX model from its plan and weights: Conv (batch norm folded in), Gemm,
/// activations, pools, Flatten, residual Add; Dropout disappears. TorchSharp has no exporter of its own. Each layer
/// writes its own nodes (<see cref="LayerSpec.Export"/>) into an <see cref="OnnxLayerGraph"/>; this adds the head,
/// the inputs and outputs and the model's metadata.
/// </summary>
internal static class OnnxExporter
{
    public const int Opset = 13;
    private const long IrVersion = 7; // the IR that opset 13 belongs to

    /// <param name="cam">
    /// Also output the feature maps that the final global average pooling reads, under this name, for class
    /// activation maps on the device (see <see cref="Inspection.ClassActivationMap"/>); null for none.
    /// </param>
    public static byte[] Export(NetworkPlan plan, nn.Module model, IReadOnlyList<string> classes, OutputKind output,
        string inputName = "input", string outputName = "output", ClassActivationMapSpec? cam = null)
    {
        var graph = new G();
        string current = new OnnxLayerGraph(graph, ReadWeights(model)).Layers(inputName, plan.Layers);
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
