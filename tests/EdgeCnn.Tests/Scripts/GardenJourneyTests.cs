using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeCnn.Tests.Scripts;

/// <summary>
/// scripts/garden.sh, the user's journey as the README writes it (capture from a camera, train, export, check, run
/// on a held-out clip), at a CI-sized budget: few frames a class, few epochs. What must hold whatever the budget: the
/// files and the manifest, every verb's exit code, the device's summary, and a model that beats the best constant
/// answer on frames of places and light it never trained on.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class GardenJourneyTests : IDisposable
{
    private const int Frames = 40;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_journey_captures_trains_exports_checks_and_scores_a_garden_detector_that_beats_chance_on_held_out_frames()
    {
        (int exit, string output) = Repository.Run("scripts/garden.sh", ["--frames", $"{Frames}", "--epochs", "4", "--out", _folder.Path],
            timeout: TimeSpan.FromMinutes(20));
        Assert.True(exit == 0, output);

        // 1. capture: the device's capture verb wrote every frame asked for, as JPEGs of the camera's full frame.
        foreach (string label in new[] { "background", "bird", "mammal" })
            Assert.Equal(Frames, Directory.GetFiles(_folder[$"dataset/{label}"], "*.jpg").Length);
        Assert.Contains($"saved {Frames} frame(s)", output);
        // 2. and 3. train and export: the report, and a model whose manifest names the classes and the empty scene.
        Assert.True(File.Exists(_folder["run/report.md"]), output);
        Assert.True(File.Exists(_folder["run/scenes.png"]), output);
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(_folder["garden.json"]));
        Assert.Equal(["background", "bird", "mammal"], manifest.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("background", manifest.RootElement.GetProperty("backgroundLabel").GetString());
        JsonElement preprocessing = manifest.RootElement.GetProperty("preprocessing");
        Assert.Equal(64, preprocessing.GetProperty("width").GetInt32());
        Assert.Equal(3, preprocessing.GetProperty("channels").GetInt32());
        // 4. check passed;  5. the device ran the whole held-out clip and scored it.
        Assert.Contains("all checks passed", output);
        Match all = AllRow().Match(output);
        Assert.True(all.Success, output);
        Match events = EventsLine().Match(output);
        Assert.True(events.Success, output);

        // Beating chance: more frames right than the best constant answer (the commonest truth label) would get.
        string[] truth = File.ReadAllLines(_folder["held-out.truth.csv"]).Skip(1).ToArray();
        var frames = truth.Select(line => line.Split(',')).GroupBy(f => f[2]).ToDictionary(g => g.Key, g => g.Sum(f => int.Parse(f[1], CultureInfo.InvariantCulture) - int.Parse(f[0], CultureInfo.InvariantCulture) + 1));
        double constant = 100.0 * frames.Values.Max() / frames.Values.Sum();
        double accuracy = double.Parse(all.Groups["accuracy"].Value, CultureInfo.InvariantCulture);
        Assert.True(accuracy > constant, $"held-out frame accuracy {accuracy} % is no better than always answering the commonest label ({constant:0.0} %)\n{output}");
    }

    [GeneratedRegex(@"all +(?<shown>\d+) +\d+ +\d+ +(?<accuracy>[0-9.]+) %")]
    private static partial Regex AllRow();

    [GeneratedRegex(@"events: \d+ triggers, \d+ on their class \(precision [0-9.]+\); \d+ of \d+ watched items triggered")]
    private static partial Regex EventsLine();
}
