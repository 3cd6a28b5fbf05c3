using System.Text.Json;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Vision;

namespace EdgeCnn.Device.Outputs;

/// <summary>
/// The GPIO driver and outputs a running service drives, recorded in the service's state directory
/// (<c>$STATE_DIRECTORY</c>, which the unit's <c>StateDirectory=edgecnn</c> makes <c>/var/lib/edgecnn</c>). After a
/// crash or <c>kill -9</c>, <c>off</c> switches off these pins as well as the configured ones: the settings may have
/// been changed since the service started (a pin moved from 17 to 22), and the old pin would otherwise stay driven.
/// </summary>
public sealed record OutputsInUse(GpioOptions Gpio, OutputOptions[] Outputs)
{
    /// <summary>The record's file name in the state directory.</summary>
    public const string FileName = "outputs-in-use.json";

    /// <summary>The record's path, or null when the service has no state directory (not under systemd).</summary>
    public static string? PathIn(string? stateDirectory) => string.IsNullOrEmpty(stateDirectory) ? null : Path.Combine(stateDirectory, FileName);

    /// <summary>Writes the record whole (a temporary file renamed over the old one), so a crash never leaves half of it.</summary>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, VisionJson.Options));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the record; null when there is none, or it cannot be read (then <paramref name="problem"/> says why).</summary>
    public static OutputsInUse? Read(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<OutputsInUse>(File.ReadAllText(path), VisionJson.Options);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            problem = $"{path}: {e.Message}";
            return null;
        }
    }
}
