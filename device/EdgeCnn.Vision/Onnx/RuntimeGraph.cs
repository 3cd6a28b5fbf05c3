using EdgeCnn.Vision.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace EdgeCnn.Vision.Onnx;

/// <summary>
/// The operators ONNX Runtime actually runs for a model on this machine, read from the graph it saves after its
/// optimizations. This is the proof that an int8 model runs int8 kernels: its QuantizeLinear/DequantizeLinear pairs
/// around each Conv are fused into one <c>QLinearConv</c>; a Conv left in float means the quantization did not take.
/// </summary>
public sealed class RuntimeGraph
{
    private static readonly string[] FloatConvolutions = ["Conv", "FusedConv"];
    private static readonly string[] IntegerConvolutions = ["QLinearConv", "ConvInteger"];

    private readonly Dictionary<string, int> _operators;

    private RuntimeGraph(Dictionary<string, int> operators) => _operators = operators;

    /// <summary>How many nodes of each operator type the optimized graph holds.</summary>
    public IReadOnlyDictionary<string, int> Operators => _operators;

    /// <summary>Nodes of <paramref name="operatorType"/> in the optimized graph.</summary>
    public int Count(string operatorType) => _operators.GetValueOrDefault(operatorType);

    /// <summary>Convolutions that run in float (Conv, and ONNX Runtime's FusedConv with its activation).</summary>
    public int FloatConvolutionCount => FloatConvolutions.Sum(Count);

    /// <summary>Convolutions that run on 8-bit integers (QLinearConv, ConvInteger).</summary>
    public int IntegerConvolutionCount => IntegerConvolutions.Sum(Count);

    /// <summary>One line: the convolutions by kind, then every other operator with its count.</summary>
    public string Summary =>
        $"{IntegerConvolutionCount} int8 and {FloatConvolutionCount} float convolutions; " +
        string.Join(", ", _operators.OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Value} {o.Key}"));

    /// <summary>
    /// Loads <paramref name="model"/> with all graph optimizations, as <see cref="OnnxClassifier"/> does, has ONNX
    /// Runtime write the optimized graph to a temporary file, and counts its operators.
    /// </summary>
    public static RuntimeGraph Inspect(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string optimized = Path.Combine(Path.GetTempPath(), $"edgecnn-optimized-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions
                   {
                       IntraOpNumThreads = 1,
                       InterOpNumThreads = 1,
                       GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                       OptimizedModelFilePath = optimized,
                       // Its warning that such a file holds this CPU's layout choices is the point here, not news.
                       LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                   })
            {
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                options.WithExactInt8();
                using var session = new InferenceSession(model, options);
            }
            ModelProto graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized));
            var operators = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (NodeProto node in graph.Graph.Node) operators[node.OpType] = operators.GetValueOrDefault(node.OpType) + 1;
            return new RuntimeGraph(operators);
        }
        finally
        {
            File.Delete(optimized);
        }
    }
}
