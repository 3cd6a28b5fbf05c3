using System.Text.RegularExpressions;

namespace EdgeCnn.Device.Configuration;

/// <summary>
/// A name made safe for one MQTT topic level and a Home Assistant object id: what a rule's name becomes there. Here,
/// beside the settings, because two rule names that become the same level are a configuration error.
/// </summary>
public static partial class TopicLevel
{
    /// <summary><paramref name="name"/> with every character but letters, digits, '_' and '-' made '_'.</summary>
    public static string Of(string name) => UnsafeLevelCharacters().Replace(name, "_");

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex UnsafeLevelCharacters();
}
