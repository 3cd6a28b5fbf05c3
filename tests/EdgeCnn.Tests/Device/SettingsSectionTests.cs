using System.Reflection;
using System.Text.Json.Nodes;
using EdgeCnn.Device.Cli;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Hosting;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// <c>check</c> and <c>run</c> enumerate the same settings sections (<see cref="DeviceHost.Sections"/>): a bad value in
/// any of them fails <c>check</c> as a configuration error, as it would fail <c>run</c>. Before, <c>check</c> read 7 of
/// the 9 sections by hand, and a bad <c>Events:MaxCount</c> passed it.
/// </summary>
[Trait("Category", "Integration")]
[Collection(TorchCollection.Name)]
public sealed class SettingsSectionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Sections => [.. DeviceHost.Sections];

    [Theory]
    [MemberData(nameof(Sections))]
    public void A_value_of_the_wrong_type_in_any_section_fails_check_naming_it(string section)
    {
        // The section's first setting that is not text, in its first element for a list, in its first group (Inputs:Button) for a section of groups.
        Type type = DeviceHost.SectionTypes.Single(s => s.Section == section).Options;
        bool list = type.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(List<>);
        Type element = list ? type.BaseType!.GetGenericArguments()[0] : type;
        static bool IsValue(PropertyInfo p) => p.SetMethod?.IsPublic == true && p.PropertyType != typeof(string)
            && (p.PropertyType.IsPrimitive || p.PropertyType.IsEnum || p.PropertyType == typeof(TimeSpan));
        PropertyInfo? group = element.GetProperties().Any(IsValue) ? null : element.GetProperties().First(p => p.PropertyType.IsClass && p.PropertyType != typeof(string));
        PropertyInfo setting = (group?.PropertyType ?? element).GetProperties().First(IsValue);
        string key = list ? $"{section}:0:{setting.Name}" : group is null ? $"{section}:{setting.Name}" : $"{section}:{group.Name}:{setting.Name}";

        (int exit, string output) = Check(settings =>
        {
            JsonObject target = list ? settings[section]![0]!.AsObject() : (settings[section] ??= new JsonObject()).AsObject();
            if (group is not null) target = (target[group.Name] ??= new JsonObject()).AsObject();
            target[setting.Name] = "not-a-value";
        });

        Assert.True(exit == 2, output);
        Assert.Contains($"PROBLEM  config   {key} is 'not-a-value'", output);
    }

    [Theory]
    [InlineData("Events", "MaxCount", 0, "Events:MaxCount is 0")]
    [InlineData("MotionGate", "Threshold", 300, "MotionGate:Threshold is 300")]
    [InlineData("Arming", "Snooze", 0, "Arming:Snooze is 00:00:00")]
    public void A_value_out_of_range_in_the_sections_check_read_by_hand_before_fails_it(string section, string name, double value, string message)
    {
        (int exit, string output) = Check(settings => settings[section] = new JsonObject { [name] = value });

        Assert.True(exit == 2, output);
        Assert.Contains($"PROBLEM  config   {message}", output);
    }

    private (int Exit, string Output) Check(Action<JsonObject> change)
    {
        string clip = ShapesClip.Write(_folder["clip.avi"], [(1, 5)]);
        var settings = new JsonObject
        {
            ["Model"] = new JsonObject { ["Path"] = ShapesModel.ModelPath, ["IntraOpThreads"] = 1 },
            ["Source"] = new JsonObject { ["Type"] = "file", ["Path"] = clip },
            ["Gpio"] = new JsonObject { ["Driver"] = "simulated" },
            ["Outputs"] = new JsonArray(new JsonObject { ["Name"] = "led", ["Type"] = "Led", ["Pin"] = 17 }),
            ["Rules"] = new JsonArray(new JsonObject { ["Name"] = "circle-led", ["Class"] = "circle", ["Outputs"] = new JsonArray("led") }),
        };
        change(settings);
        string path = _folder[$"settings-{Guid.NewGuid():N}.json"];
        File.WriteAllText(path, settings.ToJsonString());
        var output = new StringWriter();
        int exit = CheckCommand.Run(path, output);
        return (exit, output.ToString());
    }
}
