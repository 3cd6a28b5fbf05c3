using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// A value that does not convert to its setting's type, in a file or an environment variable, is a configuration
/// error naming the key, the value and what is allowed: exit 2 from <c>run</c> and <c>check</c> alike. Inside a list
/// the binder used to drop the whole rule or output without a word; elsewhere it threw a message naming no key, and
/// the service exited 1, which systemd restarts to no end.
/// </summary>
[Trait("Category", "Integration")]
[Collection(TorchCollection.Name)]
public sealed class SettingValueTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, string, string, string> Faults => new()
    {
        // where, key, value, what the message must say
        { "file", "Rules:0:Threshold", "0,7", "Rules:0:Threshold is '0,7', which is not a number; write it with a decimal point, such as 0.7." },
        { "file", "Rules:0:WindowFrames", "5.5", "Rules:0:WindowFrames is '5.5', which is not a whole number." },
        { "file", "Outputs:0:Pin", "GPIO17", "Outputs:0:Pin is 'GPIO17', which is not a whole number." },
        { "environment", "Rules:0:Threshold", "abc", "Rules:0:Threshold is 'abc', which is not a number" },
        { "environment", "Rules:0:Cooldown", "2s", "Rules:0:Cooldown is '2s', which is not a duration; write hours:minutes:seconds, such as 00:00:02" },
        { "environment", "Http:Enabled", "yes", "Http:Enabled is 'yes', which is not true or false." },
        { "environment", "Source:Type", "usb", "Source:Type is 'usb', which is not one of v4l2, rpicam, file, images, stream." },
        { "environment", "Logging:LogLevel:Default", "Verbose", "Logging:LogLevel:Default is 'Verbose', which is not one of trace, debug, information, warning, error, critical, none." },
    };

    public static TheoryData<string, string, string, string> OutOfRange => new()
    {
        { "environment", "Source:Region:Width", "NaN", "Source:Region:X, Y, Width and Height must be numbers (they are 0, 0, NaN and 1)" },
        // With the endpoint on (on loopback), whose settings are checked only then.
        { "environment", "Http:SnapshotTimeout", "100.00:00:00", "Http:SnapshotTimeout is 100.00:00:00; use a positive time up to 00:01:00" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_value_of_the_wrong_type_is_a_configuration_error_naming_the_key_in_run_and_check(string where, string key, string value, string message) =>
        AssertConfigurationError(where, key, value, message);

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void A_value_out_of_its_range_is_a_configuration_error_naming_the_key_in_run_and_check(string where, string key, string value, string message) =>
        AssertConfigurationError(where, key, value, message);

    private void AssertConfigurationError(string where, string key, string value, string message)
    {
        string clip = ShapesClip.Write(_folder["clip.avi"], [(1, 5)]);
        var settings = new Dictionary<string, object?>
        {
            ["Model"] = new { Path = ShapesModel.ModelPath, IntraOpThreads = 1 },
            ["Source"] = new { Type = "file", Path = clip, StopAtEnd = true },
            ["Gpio"] = new { Driver = "simulated" },
            ["Outputs"] = new object[] { new Dictionary<string, object> { ["Name"] = "led", ["Type"] = "Led", ["Pin"] = key == "Outputs:0:Pin" ? value : 17 } },
            ["Rules"] = new object[] { RuleWith(key, value, where) },
        };
        string config = DeviceConfigFile.Write(_folder[$"settings-{Guid.NewGuid():N}.json"], settings);
        var environment = new Dictionary<string, string>();
        if (where == "environment") environment["EDGECNN_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        if (key.StartsWith("Http:", StringComparison.Ordinal) && key != "Http:Enabled")
        {
            environment["EDGECNN_Http__Enabled"] = "true";
            environment["EDGECNN_Http__Urls"] = "http://127.0.0.1:0";
        }

        foreach (string verb in new[] { "run", "check" })
        {
            var output = new ConcurrentQueue<string>();
            using Process device = DeviceProcess.Start([verb, "--config", config], environment, output);
            Assert.True(device.WaitForExit(60_000), $"{verb} did not exit");
            device.WaitForExit();
            string text = string.Join("\n", output);
            Assert.True(device.ExitCode == 2, $"{verb} exited {device.ExitCode}, not 2 (a configuration error):\n{text}");
            Assert.Contains(message, text, StringComparison.Ordinal);
        }
    }

    // The rule of the file, with the value under test written into it when the file is where it goes.
    private static Dictionary<string, object> RuleWith(string key, string value, string where)
    {
        var rule = new Dictionary<string, object>
        {
            ["Name"] = "circle-led", ["Class"] = "circle", ["Threshold"] = 0.7, ["TriggerFrames"] = 3, ["WindowFrames"] = 5,
            ["Cooldown"] = "00:00:01", ["Outputs"] = new[] { "led" },
        };
        if (where == "file" && key.StartsWith("Rules:0:", StringComparison.Ordinal)) rule[key["Rules:0:".Length..]] = value;
        return rule;
    }
}
