using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCnn.Trainer.Layers;

/// <summary>Reads a value written either as a string (<c>"same"</c>) or a number (<c>1</c>).</summary>
internal sealed class StringOrNumberConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString() ?? "",
            JsonTokenType.Number => reader.GetInt32().ToString(CultureInfo.InvariantCulture),
            _ => throw new JsonException("expected a string or a number."),
        };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number)) writer.WriteNumberValue(number);
        else writer.WriteStringValue(value);
    }
}
