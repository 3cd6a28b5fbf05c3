using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Rules;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Reports;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;

namespace EdgeCnn.Tests.Trainer;

/// <summary>The background class and the open-set threshold: calibration, manifest, rules, and the clip's scoring.</summary>
public class OpenSetTests
{
    private static readonly string[] Labels = ["cat", "dog", "background"];
    private static readonly PreprocessingSpec Tiny = PreprocessingSpec.Unit(1, 1, 1);

    private static (ImageSet Set, Evaluator.Result Result) Predictions(params (long Truth, long Predicted, float Confidence)[] rows)
    {
        var set = new ImageSet(new float[rows.Length], [.. rows.Select(r => r.Truth)], Labels, Tiny);
        var confusion = new ConfusionMatrix(Labels);
        foreach (var row in rows) confusion.Add(row.Truth, row.Predicted);
        return (set, new Evaluator.Result(0, confusion, [.. rows.Select(r => r.Predicted)], [.. rows.Select(r => r.Confidence)]));
    }

    [Fact]
    public void The_threshold_keeps_99_percent_of_the_correct_validation_items_and_ignores_wrong_and_background_ones()
    {
        // 200 correct cat/dog items with confidences 0.005, 0.010, ... 1.000; wrong items and background images are
        // far lower and must not pull the threshold down.
        var rows = Enumerable.Range(1, 200).Select(i => ((long)(i % 2), (long)(i % 2), i / 200f))
            .Concat(Enumerable.Range(0, 50).Select(_ => (0L, 1L, 0.001f)))
            .Concat(Enumerable.Range(0, 50).Select(_ => (2L, 2L, 0.002f))).ToArray();
        (ImageSet set, Evaluator.Result result) = Predictions(rows);

        OpenSetThreshold threshold = OpenSetCalibration.Calibrate(set, result, backgroundClass: 2, "validation split");

        // 1 % of 200 is 2 items below the threshold: the third-lowest correct confidence.
        Assert.Equal(3 / 200f, threshold.Threshold, 6);
        int kept = rows.Count(r => r.Item1 != 2 && r.Item1 == r.Item2 && r.Item3 >= threshold.Threshold);
        Assert.Equal(198, kept);
        Assert.Equal(OpenSetThreshold.MaxSoftmax, threshold.Score);
        Assert.Contains("validation", threshold.CalibratedOn);
    }

    [Fact]
    public void The_effect_counts_false_alarms_on_empty_scenes_with_and_without_the_threshold()
    {
        (ImageSet set, Evaluator.Result result) = Predictions(
            (2, 2, 0.9f), (2, 0, 0.3f), (2, 1, 0.95f), (2, 2, 0.8f),  // 2 of 4 empty scenes named as objects, 1 of them confidently
            (0, 0, 0.9f), (1, 1, 0.2f), (1, 0, 0.7f));
        OpenSetCalibration.Effect effect = OpenSetCalibration.Measure(set, result, backgroundClass: 2, threshold: 0.5f);
        Assert.Equal(0.5, effect.FalseAlarmRate);
        Assert.Equal(0.25, effect.FalseAlarmRateWithThreshold);
        Assert.Equal(0.5, effect.ItemsKept);            // of the two correct items, the 0.2 one is rejected
        Assert.Equal(1 / 3.0, effect.ItemsRejected, 6);
        Assert.Equal(4 / 7.0, effect.AccuracyWithThreshold, 6); // 3 quiet empty scenes + 1 kept item
    }

    [Fact]
    public void The_background_label_and_threshold_round_trip_through_the_manifest_and_bad_ones_are_refused()
    {
        using var folder = new TempFolder();
        var manifest = new ModelManifest
        {
            Labels = Labels,
            Preprocessing = PreprocessingSpec.Unit(28, 28, 1),
            BackgroundLabel = "background",
            OpenSet = new OpenSetThreshold { Threshold = 0.62f, KeptCorrect = 0.99, CalibratedOn = "validation split, 3,000 images" },
        };
        manifest.Save(folder["m.json"]);
        ModelManifest loaded = ModelManifest.Load(folder["m.json"]);
        Assert.Equal("background", loaded.BackgroundLabel);
        Assert.Equal(2, loaded.BackgroundIndex);
        Assert.Equal(manifest.OpenSet, loaded.OpenSet);
        Assert.Contains("\"backgroundLabel\": \"background\"", File.ReadAllText(folder["m.json"]));

        var wrongLabel = Assert.Throws<InvalidDataException>(() => (manifest with { BackgroundLabel = "empty" }).Save(folder["bad.json"]));
        Assert.Contains("backgroundLabel 'empty'", wrongLabel.Message);
        var wrongThreshold = Assert.Throws<InvalidDataException>(() => (manifest with { OpenSet = new OpenSetThreshold { Threshold = 1.5f } }).Save(folder["bad.json"]));
        Assert.Contains("openSet.threshold", wrongThreshold.Message);
    }

    [Fact]
    public void A_frame_is_described_as_nothing_unknown_or_its_class()
    {
        var manifest = new ModelManifest { Labels = Labels, BackgroundLabel = "background", OpenSet = new OpenSetThreshold { Threshold = 0.5f } };
        Assert.Equal("nothing", manifest.Describe(new Classification(2, 0.99f)));
        Assert.Equal("nothing", manifest.Describe(new Classification(2, 0.3f)));
        Assert.Equal("unknown", manifest.Describe(new Classification(0, 0.4f)));
        Assert.Equal("cat", manifest.Describe(new Classification(0, 0.6f)));
        Assert.False(manifest.IsObject(new Classification(0, 0.4f)));
        Assert.True(manifest.IsObject(new Classification(1, 0.5f)));
    }

    private static readonly RuleOptions CatRule = new()
    {
        Name = "cat-led", Class = "cat", Threshold = 0.4f, TriggerFrames = 2, WindowFrames = 2, ReleaseThreshold = 0.2f, ReleaseFrames = 1,
        Cooldown = TimeSpan.Zero, Outputs = ["led"],
    };

    [Fact]
    public void A_rule_that_watches_the_background_class_is_refused_naming_the_rule()
    {
        var error = Assert.Throws<ArgumentException>(() => new RuleEngine([CatRule with { Class = "background" }], Labels, backgroundLabel: "background"));
        Assert.Contains("Rules:0:Class 'background' is the model's background class", error.Message);
        Assert.Contains("cat, dog", error.Message);
    }

    private static int Triggers(RuleEngine engine, float cat, float dog, int frames = 4)
    {
        Span<RuleEvent> events = stackalloc RuleEvent[engine.Rules.Count];
        float[] probabilities = [cat, dog, 1 - cat - dog];
        int triggers = 0;
        for (int f = 1; f <= frames; f++) triggers += engine.Update(probabilities, f, DateTimeOffset.UnixEpoch.AddSeconds(f), events);
        return triggers;
    }

    [Fact]
    public void A_frame_below_the_open_set_threshold_counts_as_not_the_class_unless_the_rule_overrides_it()
    {
        // The cat is the top class at 0.45, above the rule's own threshold (0.4) but below the model's open-set one (0.5).
        Assert.Equal(0, Triggers(new RuleEngine([CatRule], Labels, "background", unknownBelow: 0.5f), cat: 0.45f, dog: 0.35f));
        Assert.Equal(1, Triggers(new RuleEngine([CatRule], Labels, "background", unknownBelow: 0f), cat: 0.45f, dog: 0.35f));
        Assert.Equal(1, Triggers(new RuleEngine([CatRule with { UnknownThreshold = 0.4f }], Labels, "background", unknownBelow: 0.5f), cat: 0.45f, dog: 0.35f));
        // A confident frame is not unknown.
        Assert.Equal(1, Triggers(new RuleEngine([CatRule], Labels, "background", unknownBelow: 0.5f), cat: 0.7f, dog: 0.1f));
    }

    [Fact]
    public void The_clip_tally_scores_events_against_the_stretches_and_counts_quiet_frames_on_empty_ones_as_right()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["clip.truth.csv"], "first_frame,last_frame,label\n0,9,background\n10,19,cat\n20,29,background\n30,39,dog\n40,49,cat\n");
        var manifest = new ModelManifest { Labels = Labels, BackgroundLabel = "background", OpenSet = new OpenSetThreshold { Threshold = 0.5f } };
        ClipTruth truth = ClipTruth.Load(folder["clip.truth.csv"], Labels, "background");
        var tally = new ClassTally(manifest, [CatRule], truth);

        tally.Record(0, new Classification(2, 0.9f));  // nothing on an empty stretch: right
        tally.Record(1, new Classification(0, 0.3f));  // unknown on an empty stretch: right
        tally.Record(2, new Classification(0, 0.9f));  // a cat on an empty stretch: wrong
        tally.Record(10, new Classification(0, 0.9f)); // the cat: right
        tally.Record(11, new Classification(0, 0.3f)); // unknown on the cat: wrong
        Assert.Equal((5L, 3L), tally.Score());

        tally.Record(new RuleEvent(0, RuleEventKind.Trigger, 0.9f, Frame: 14, DateTimeOffset.UnixEpoch));  // 3 frames into the first cat
        tally.Record(new RuleEvent(0, RuleEventKind.Release, 0.1f, Frame: 20, DateTimeOffset.UnixEpoch));
        tally.Record(new RuleEvent(0, RuleEventKind.Trigger, 0.9f, Frame: 25, DateTimeOffset.UnixEpoch));  // on an empty stretch
        tally.Record(new RuleEvent(0, RuleEventKind.Trigger, 0.9f, Frame: 33, DateTimeOffset.UnixEpoch));  // on the dog

        ClassTally.EventScore events = tally.Events()!;
        Assert.Equal(3, events.Triggers);
        Assert.Equal(1, events.TrueTriggers);
        Assert.Equal(1, events.OnEmpty);
        Assert.Equal(2, events.WatchedItems);
        Assert.Equal(1, events.ItemsTriggered);
        Assert.Equal(3.0, events.MeanLatencyFrames);
        Assert.Equal(0.5, events.Recall);
        Assert.Contains(tally.Table(), line => line.StartsWith("events: 3 triggers, 1 on their class (precision 0.33); 1 of 2 watched items triggered (recall 0.50); 1 on empty stretches"));
    }

    [Fact]
    public void A_model_without_a_background_class_is_scored_on_empty_stretches_by_staying_quiet()
    {
        using var folder = new TempFolder();
        string[] labels = ["cat", "dog"];
        File.WriteAllText(folder["clip.truth.csv"], "0,4,background\n5,9,cat\n");
        ClipTruth truth = ClipTruth.Load(folder["clip.truth.csv"], labels);
        Assert.Equal(2, truth.Empty);
        var tally = new ClassTally(new ModelManifest { Labels = labels, OpenSet = new OpenSetThreshold { Threshold = 0.6f } }, [], truth);
        tally.Record(0, new Classification(1, 0.55f)); // below the threshold: unknown, right
        tally.Record(1, new Classification(1, 0.95f)); // a confident dog at an empty desk: wrong
        Assert.Equal((2L, 1L), tally.Score());
        Assert.Contains(tally.Table(), line => line.StartsWith("nothing/unknown"));
    }
}
