using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeCnn.Tests.Scripts;

/// <summary>
/// scripts/demo.sh, the README's main job, run as the README writes it: by default the garden camera on its clip
/// (animals on photographs it never trained on, with empty stretches, dusk, poles and frame edges); with --fashion
/// the course's Fashion-MNIST scene model on its clip (test items on photos and textures). Simulated GPIO.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DemoTests
{
    // What the shipped garden model and settings reach on their clip (90.1 % of the frames, precision 1.00, recall
    // 0.84, none on the empty garden; docs/results.md), with a margin below; the empty garden must stay quiet.
    private const double GardenFrameAccuracy = 86, GardenPrecision = 0.95, GardenRecall = 0.75;
    private const int GardenEmptyTriggers = 0;

    [Fact]
    public void The_garden_demo_lights_the_led_for_birds_sounds_the_buzzer_for_mammals_and_stays_quiet_at_the_empty_garden()
    {
        (int exit, string output) = Repository.Run(Repository.File("scripts/demo.sh"), ["--fast"], timeout: TimeSpan.FromMinutes(10));

        Assert.True(exit == 0, output);
        Assert.Contains("simulated GPIO 17 high", output); // the LED, for birds
        Assert.Contains("simulated GPIO 27 high", output); // the buzzer, for mammals
        Assert.Contains("\"event\":\"trigger\",\"rule\":\"bird-led\"", output);
        Assert.Contains("\"event\":\"trigger\",\"rule\":\"fox-buzzer\"", output);
        Assert.Matches("stopped after 1740 frames", output);
        Assert.Contains("first frame classified (nothing", output); // the clip starts on the empty garden
        Match all = AllRow().Match(output);
        Assert.True(all.Success, output);
        Assert.Equal("1740", all.Groups["shown"].Value);
        Assert.InRange(double.Parse(all.Groups["accuracy"].Value, CultureInfo.InvariantCulture), GardenFrameAccuracy, 100);
        Match events = EventsLine().Match(output);
        Assert.True(events.Success, output);
        Assert.InRange(double.Parse(events.Groups["precision"].Value, CultureInfo.InvariantCulture), GardenPrecision, 1);
        Assert.InRange(double.Parse(events.Groups["recall"].Value, CultureInfo.InvariantCulture), GardenRecall, 1);
        Assert.InRange(int.Parse(events.Groups["empty"].Value, CultureInfo.InvariantCulture), 0, GardenEmptyTriggers);
    }

    [Fact]
    public void The_fashion_demo_runs_the_sample_clip_to_the_end_and_prints_transitions_and_the_summary()
    {
        (int exit, string output) = Repository.Run(Repository.File("scripts/demo.sh"), ["--fashion", "--fast"], timeout: TimeSpan.FromMinutes(10));

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

    [Fact]
    public void An_unknown_flag_is_refused_with_the_usage()
    {
        (int exit, string output) = Repository.Run(Repository.File("scripts/demo.sh"), ["--garden-please"]);
        Assert.Equal(2, exit);
        Assert.Contains("usage: scripts/demo.sh [--fashion] [--fast]", output);
    }

    [GeneratedRegex(@"all +(?<shown>\d+) +\d+ +\d+ +(?<accuracy>[0-9.]+) %")]
    private static partial Regex AllRow();

    [GeneratedRegex(@"events: \d+ triggers, \d+ on their class \(precision (?<precision>[0-9.]+)\); \d+ of \d+ watched items triggered \(recall (?<recall>[0-9.]+)\); (?<empty>\d+) on empty stretches")]
    private static partial Regex EventsLine();
}
