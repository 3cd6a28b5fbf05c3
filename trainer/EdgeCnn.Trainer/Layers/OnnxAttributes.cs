using EdgeCnn.Vision.Onnx.Proto;

namespace EdgeCnn.Trainer.Layers;

/// <summary>The ONNX node attributes the layers write: integers, lists of integers and floats.</summary>
internal static class OnnxAttributes
{
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
