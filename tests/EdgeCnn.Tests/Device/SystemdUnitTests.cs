namespace EdgeCnn.Tests.Device;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemdUnitTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_unit_passes_systemd_analyze_verify_with_warnings_as_errors()
    {
        // verify checks that ExecStart's program exists: point the unit at a stand-in release folder.
        string release = _folder["opt/edgecnn/current"];
        Directory.CreateDirectory(release);
        string executable = Path.Combine(release, "edgecnn-device");
        File.WriteAllText(executable, "#!/bin/sh\n");
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        string unit = File.ReadAllText(Repository.File("systemd/edgecnn.service"));
        string copy = _folder["edgecnn.service"];
        File.WriteAllText(copy, unit.Replace("/opt/edgecnn/current", release, StringComparison.Ordinal));

        (int exit, string output) = Repository.Run("systemd-analyze", ["verify", "--recursive-errors=yes", copy], workingDirectory: _folder.Path);

        Assert.True(exit == 0, output);
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public void The_unit_is_a_watched_notify_service_for_a_non_root_user_that_switches_outputs_off_after_any_stop()
    {
        Dictionary<string, List<string>> settings = File.ReadAllLines(Repository.File("systemd/edgecnn.service"))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .GroupBy(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..])
            .ToDictionary(g => g.Key, g => g.ToList());

        Assert.Equal(["notify"], settings["Type"]);
        Assert.True(TimeSpan.FromSeconds(int.Parse(settings["WatchdogSec"][0], System.Globalization.CultureInfo.InvariantCulture)) > TimeSpan.Zero);
        Assert.Equal(["on-failure"], settings["Restart"]);
        Assert.Equal(["edgecnn"], settings["User"]);
        Assert.Equal(["gpio video i2c"], settings["SupplementaryGroups"]);
        Assert.Equal(["/opt/edgecnn/current/edgecnn-device off"], settings["ExecStopPost"]);
        foreach (string hardening in new[] { "NoNewPrivileges", "ProtectHome", "PrivateTmp" }) Assert.Equal(["yes"], settings[hardening]);
        Assert.Equal(["strict"], settings["ProtectSystem"]);
        Assert.Contains("char-gpiochip rw", settings["DeviceAllow"]);
        Assert.Contains("char-video4linux rw", settings["DeviceAllow"]);
        Assert.Contains("char-i2c rw", settings["DeviceAllow"]);
    }
}
