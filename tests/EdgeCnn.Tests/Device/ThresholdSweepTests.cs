using EdgeCnn.Device.Cli;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Vision;

namespace EdgeCnn.Tests.Device;

/// <summary><c>tune</c>'s logic: one pass of probabilities replayed through the rules at each threshold, and the suggestion.</summary>
public sealed class ThresholdSweepTests : IDisposable
{
    private static readonly string[] Labels = ["cat", "dog", "background"];
    private static readonly RuleOptions CatRule = new()
    {
        Name = "cat-led", Class = "cat", Threshold = 0.8f, ReleaseThreshold = 0.6f, TriggerFrames = 3, WindowFrames = 5, ReleaseFrames = 3,
        Cooldown = TimeSpan.Zero, Outputs = ["led"],
    };

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // An empty garden where frames 3 to 7 look like a cat at 0.75, a faint cat (0.65), the empty garden, a clear cat (0.85).
    private ThresholdSweep Recorded()
    {
        File.WriteAllText(_folder["clip.truth.csv"], "first_frame,last_frame,label\n0,14,background\n15,24,cat\n25,34,background\n35,44,cat\n");
        var manifest = new ModelManifest { Labels = Labels, BackgroundLabel = "background" };
        var sweep = new ThresholdSweep(manifest, ClipTruth.Load(_folder["clip.truth.csv"], Labels, "background"), framesPerSecond: 15);
        for (int frame = 0; frame < 45; frame++)
        {
            float cat = frame switch { >= 3 and <= 7 => 0.75f, >= 15 and <= 24 => 0.65f, >= 35 => 0.85f, _ => 0.05f };
            sweep.Add([cat, (1 - cat) / 2, (1 - cat) / 2]);
        }
        return sweep;
    }

    [Fact]
    public void Each_threshold_is_scored_against_the_truth_with_the_release_kept_as_far_below_as_configured()
    {
        IReadOnlyList<ThresholdSweep.Row> rows = Recorded().Sweep([CatRule], [0.6f, 0.7f, 0.8f, 0.9f]);

        Assert.Equal([0.4f, 0.5f, 0.6f, 0.7f], rows.Select(r => r.ReleaseThreshold));
        // 0.6: the look-alike on the empty garden fires, then both cats.
        Assert.Equal((3L, 2L, 1L, 2L), Score(rows[0]));
        // 0.7: the look-alike still fires; the faint cat is missed.
        Assert.Equal((2L, 1L, 1L, 1L), Score(rows[1]));
        // 0.8: only the clear cat, and nothing on the empty garden.
        Assert.Equal((1L, 1L, 0L, 1L), Score(rows[2]));
        // 0.9: nothing at all.
        Assert.Equal((0L, 0L, 0L, 0L), Score(rows[3]));
        Assert.Equal(2, rows[0].Events.WatchedItems);
    }

    [Fact]
    public void The_suggestion_is_the_most_items_with_the_empty_scene_quiet_and_none_when_it_never_is()
    {
        IReadOnlyList<ThresholdSweep.Row> rows = Recorded().Sweep([CatRule], [0.6f, 0.7f, 0.8f, 0.9f]);
        Assert.Equal(0.8f, ThresholdSweep.Suggest(rows)!.Threshold);
        // Without the thresholds that keep the empty garden quiet, nothing is suggested, and a threshold that keeps
        // it quiet by triggering for nothing at all is no suggestion either.
        Assert.Null(ThresholdSweep.Suggest(rows.Take(2)));
        Assert.Null(ThresholdSweep.Suggest([rows[0], rows[1], rows[3]]));
    }

    [Fact]
    public void A_release_threshold_never_ends_above_its_threshold()
    {
        RuleOptions level = CatRule with { ReleaseThreshold = CatRule.Threshold };
        ThresholdSweep.Row row = Recorded().Sweep([level], [0.3337f]).Single();
        Assert.True(row.ReleaseThreshold <= row.Threshold, $"release {row.ReleaseThreshold} above threshold {row.Threshold}");
    }

    [Fact]
    public void Thresholds_are_parsed_sorted_and_a_bad_one_is_named()
    {
        Assert.Equal([0.5f, 0.7f], TuneCommand.ParseThresholds("0.7, 0.5,0.5"));
        Assert.Contains("'abc'", Assert.Throws<ArgumentException>(() => TuneCommand.ParseThresholds("0.5,abc")).Message);
        Assert.Contains("'1.5'", Assert.Throws<ArgumentException>(() => TuneCommand.ParseThresholds("1.5")).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => TuneCommand.ParseThresholds(",")).Message);
    }

    private static (long Triggers, long True, long OnEmpty, long Items) Score(ThresholdSweep.Row row) =>
        (row.Events.Triggers, row.Events.TrueTriggers, row.Events.OnEmpty, row.Events.ItemsTriggered);
}
