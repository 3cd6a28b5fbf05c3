using System.Text.Json;

namespace EdgeCnn.Tests.Support;

/// <summary>Writes a device settings file the way a user would, from an object shaped like the JSON.</summary>
internal static class DeviceConfigFile
{
    public static string Write(string path, object settings)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>A rule in the configuration's shape.</summary>
    public static object Rule(string name, string @class, string output, double threshold = 0.7, int trigger = 3, int window = 5,
        double release = 0.4, int releaseFrames = 3, string cooldown = "00:00:00.5") => new
    {
        Name = name, Class = @class, Threshold = threshold, TriggerFrames = trigger, WindowFrames = window,
        ReleaseThreshold = release, ReleaseFrames = releaseFrames, Cooldown = cooldown, Outputs = new[] { output },
    };
}
