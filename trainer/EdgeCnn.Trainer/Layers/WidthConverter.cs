using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCnn.Trainer.Layers;

/// <summary>Reads a layer width as a number or as the word <c>"classes"</c>.</summary>
internal sealed class WidthConverter : JsonConverter<int>
{
    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetInt32();
        if (reader.TokenType == JsonTokenType.String && reader.GetString() == "classes") return LayerSpec.ClassCount;
        throw new JsonException("a width must be a positive number or \"classes\".");
    }

    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options)
    {
        if (value == LayerSpec.ClassCount) writer.WriteStringValue("classes");
        else writer.WriteNumberValue(value);
    }
}
