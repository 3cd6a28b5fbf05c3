using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeCnn.Tests;

/// <summary>scripts/demo.sh, the README's main job: the shipped model on the shipped clip, simulated GPIO.</summary>
public sealed partial class DemoTests
{
    [Fact]
    public void The_demo_runs_the_sample_clip_to_the_end_and_prints_transitions_and_the_summary()
    {
        (int exit, string output) = Repository.Run("bash", ["scripts/demo.sh", "--fast"], timeout: TimeSpan.FromMinutes(10));

        Assert.True(exit == 0, output);
        Assert.Contains("simulated GPIO 17 high", output); // the LED, for sneakers
        Assert.Contains("simulated GPIO 27 high", output); // the buzzer, for bags
        Assert.Contains("\"event\":\"trigger\",\"rule\":\"sneaker-led\"", output);
        Assert.Contains("\"event\":\"trigger\",\"rule\":\"bag-buzzer\"", output);
        Assert.Matches("stopped after 600 frames", output);
        Match all = AllRow().Match(output);
        Assert.True(all.Success, output);
        Assert.Equal("600", all.Groups["shown"].Value);
        // The model's test accuracy is 93.3 %; the clip's 40 test images, each held for 15 frames, score alike.
        Assert.InRange(double.Parse(all.Groups["accuracy"].Value, CultureInfo.InvariantCulture), 85, 100);
        Assert.Matches(@"triggers: sneaker-led \(Sneaker\) [1-9], bag-buzzer \(Bag\) [1-9]", output);
    }

    [GeneratedRegex(@"all +(?<shown>\d+) +\d+ +\d+ +(?<accuracy>[0-9.]+) %")]
    private static partial Regex AllRow();
}
