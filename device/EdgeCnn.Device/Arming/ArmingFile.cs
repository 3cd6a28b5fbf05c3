using System.Text.Json;
using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Arming;

/// <summary>
/// Where the armed state is kept, so that it survives a restart and so that <c>edgecnn-device arm|disarm|snooze</c>
/// reaches the running service on this machine: the service and the command find the same file by the same rule,
/// and the service reads it again when it changes.
/// </summary>
public static class ArmingFile
{
    private const string FileName = "arming.json";
    private const string InstalledStateDirectory = "/var/lib/edgecnn";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// The file: in the service's state directory (<c>$STATE_DIRECTORY</c>, <c>/var/lib/edgecnn</c> under systemd);
    /// for a command run by hand on a machine with the service installed, that same directory; otherwise (a device
    /// run in a terminal, and the command beside it) <c>$XDG_STATE_HOME/edgecnn</c> or <c>~/.local/state/edgecnn</c>.
    /// </summary>
    public static string Locate()
    {
        if (ServiceStateDirectory.Path is string service) return Path.Combine(service, FileName);
        if (Directory.Exists(InstalledStateDirectory)) return Path.Combine(InstalledStateDirectory, FileName);
        string state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "edgecnn", FileName);
    }

    /// <summary>The kept state, or null when there is none; a file that cannot be read or parsed is a <paramref name="problem"/>.</summary>
    public static ArmingState? Read(string path, out string? problem)
    {
        problem = null;
        try
        {
            if (!File.Exists(path)) return null;
            ArmingState? state = JsonSerializer.Deserialize<ArmingState>(File.ReadAllText(path), Json);
            if (state is null || state.ChangedBy is null) problem = $"{path} holds no armed state";
            return problem is null ? state : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            problem = $"{path}: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// Writes the state whole (a temporary file renamed over the old one: a reader never sees half of it). Readable by
    /// all, so that the service reads what root wrote with <c>sudo edgecnn-device disarm</c>; it holds no secret.
    /// </summary>
    public static void Write(string path, ArmingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        // A new file of a random name, created exclusively (never through a link someone left there: root writes here
        // with 'sudo edgecnn-device disarm', in a folder the service's user owns), its mode set on the open file.
        string temporary = Path.Combine(folder, $".{FileName}.{Path.GetRandomFileName()}");
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            using (var stream = new FileStream(temporary, create))
            {
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                using var writer = new StreamWriter(stream);
                writer.Write(JsonSerializer.Serialize(state, Json) + "\n");
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
