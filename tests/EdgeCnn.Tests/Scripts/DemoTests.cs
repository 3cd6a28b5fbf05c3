using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeCnn.Tests;

/// <summary>
/// scripts/demo.sh, the README's main job, run as the README writes it: the shipped model on the shipped scene clip
/// (test items on photos and textures, with empty stretches), simulated GPIO.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DemoTests
{
    [Fact]
    public void The_demo_runs_the_sample_clip_to_the_end_and_prints_transitions_and_the_summary()
    {
        (int exit, string output) = Repository.Run(Repository.File("scripts/demo.sh"), ["--fast"], timeout: TimeSpan.FromMinutes(10));

        Assert.True(exit == 0, output);
        Assert.Contains("simulated GPIO 17 high", output); // the LED, for sneakers
        Assert.Contains("simulated GPIO 27 high", output); // the buzzer, for bags
        Assert.Contains("\"event\":\"trigger\",\"rule\":\"sneaker-led\"", output);
        Assert.Contains("\"event\":\"trigger\",\"rule\":\"bag-buzzer\"", output);
        Assert.Matches("stopped after 1632 frames", output);
        Assert.Contains("first frame classified (nothing", output); // the clip starts on the empty scene
        // The 1-channel model reads the clip's luma plane: said once, and OpenCV's per-frame warning about it is quiet.
        Assert.Contains("the source delivers gray (the luma plane", output);
        Assert.DoesNotContain("retrieveFrame", output);
        Match all = AllRow().Match(output);
        Assert.True(all.Success, output);
        Assert.Equal("1632", all.Groups["shown"].Value);
        // Empty frames count: right when the device says nothing (or unknown).
        Assert.InRange(double.Parse(all.Groups["accuracy"].Value, CultureInfo.InvariantCulture), 85, 100);
        Assert.Matches(@"triggers: sneaker-led \(Sneaker\) [1-9], bag-buzzer \(Bag\) [1-9]", output);
        // The point of the scene model: it never fires at the empty scene, and what it fires on is its class.
        Match events = EventsLine().Match(output);
        Assert.True(events.Success, output);
        Assert.Equal("0", events.Groups["empty"].Value);
        Assert.InRange(double.Parse(events.Groups["precision"].Value, CultureInfo.InvariantCulture), 0.95, 1);
    }

    [GeneratedRegex(@"all +(?<shown>\d+) +\d+ +\d+ +(?<accuracy>[0-9.]+) %")]
    private static partial Regex AllRow();

    [GeneratedRegex(@"events: \d+ triggers, \d+ on their class \(precision (?<precision>[0-9.]+)\);.*; (?<empty>\d+) on empty stretches")]
    private static partial Regex EventsLine();
}
