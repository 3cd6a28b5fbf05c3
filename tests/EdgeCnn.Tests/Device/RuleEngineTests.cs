using System.Text.Json;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Rules;

namespace EdgeCnn.Tests.Device;

public class RuleEngineTests
{
    private static readonly string[] Labels = ["background", "cat", "dog"];
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static RuleOptions CatRule(TimeSpan? cooldown = null) => new()
    {
        Name = "cat-led", Class = "cat", Threshold = 0.8f, TriggerFrames = 3, WindowFrames = 5,
        ReleaseThreshold = 0.6f, ReleaseFrames = 3, Cooldown = cooldown ?? TimeSpan.FromSeconds(10), Outputs = ["led"],
    };

    /// <summary>Feeds cat probabilities at 10 frames/s; returns (frame number, kind) of every event.</summary>
    private static List<(long Frame, RuleEventKind Kind)> Feed(RuleEngine engine, params float[] cat)
    {
        var seen = new List<(long, RuleEventKind)>();
        Span<RuleEvent> events = stackalloc RuleEvent[engine.Rules.Count];
        Span<float> probabilities = stackalloc float[3];
        for (int i = 0; i < cat.Length; i++)
        {
            probabilities[0] = 1 - cat[i];
            probabilities[1] = cat[i];
            probabilities[2] = 0;
            int count = engine.Update(probabilities, i + 1, Start + TimeSpan.FromMilliseconds(100 * i), events);
            for (int e = 0; e < count; e++) seen.Add((events[e].Frame, events[e].Kind));
        }
        return seen;
    }

    [Fact]
    public void Three_sightings_within_five_frames_trigger_on_the_third()
    {
        var engine = new RuleEngine([CatRule()], Labels);
        Assert.Equal([(5L, RuleEventKind.Trigger)], Feed(engine, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f));
        Assert.True(engine.IsActive(0));
    }

    [Fact]
    public void Sightings_that_fall_out_of_the_window_do_not_count()
    {
        var engine = new RuleEngine([CatRule()], Labels);
        Assert.Empty(Feed(engine, 0.9f, 0.1f, 0.1f, 0.1f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f));
        Assert.False(engine.IsActive(0));
    }

    [Fact]
    public void Hysteresis_keeps_the_rule_on_between_the_thresholds_and_releases_after_consecutive_low_frames()
    {
        var engine = new RuleEngine([CatRule()], Labels);
        var events = Feed(engine,
            0.9f, 0.9f, 0.9f,          // trigger at frame 3
            0.7f, 0.7f, 0.7f, 0.7f,    // below the trigger threshold, above the release threshold: stays on
            0.5f, 0.5f, 0.7f,          // two low frames, then the count starts again
            0.5f, 0.5f, 0.5f);         // three consecutive low frames: release at frame 13
        Assert.Equal([(3L, RuleEventKind.Trigger), (13L, RuleEventKind.Release)], events);
        Assert.False(engine.IsActive(0));
    }

    [Fact]
    public void After_a_release_the_cooldown_blocks_triggers_and_sightings_are_counted_afresh()
    {
        var engine = new RuleEngine([CatRule(TimeSpan.FromSeconds(1))], Labels);
        float[] cat = [0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f];          // trigger at 3, release at 6 (t = 0.5 s)
        cat = [.. cat, .. Enumerable.Repeat(0.9f, 12)];              // frames 7..18 at t = 0.6 .. 1.7 s
        var events = Feed(engine, cat);
        // Cooldown ends at t = 1.5 s (frame 16); frames 7-15 are sightings too, but nothing triggers before it.
        Assert.Equal([(3L, RuleEventKind.Trigger), (6L, RuleEventKind.Release), (16L, RuleEventKind.Trigger)], events);
    }

    [Fact]
    public void Rules_are_independent_and_events_name_their_rule()
    {
        var dog = CatRule() with { Name = "dog-buzzer", Class = "dog", TriggerFrames = 1, WindowFrames = 1 };
        var engine = new RuleEngine([CatRule(), dog], Labels);
        Span<RuleEvent> events = stackalloc RuleEvent[2];
        int count = engine.Update([0.05f, 0.05f, 0.9f], 42, Start, events);
        Assert.Equal(1, count);
        Assert.Equal(1, events[0].Rule);
        Assert.True(engine.IsActive(1));
        Assert.False(engine.IsActive(0));

        using JsonDocument line = JsonDocument.Parse(events[0].ToJsonLine(engine.Rules[1]));
        Assert.Equal("trigger", line.RootElement.GetProperty("event").GetString());
        Assert.Equal("dog-buzzer", line.RootElement.GetProperty("rule").GetString());
        Assert.Equal("dog", line.RootElement.GetProperty("class").GetString());
        Assert.Equal(42, line.RootElement.GetProperty("frame").GetInt64());
        Assert.Equal(0.9, line.RootElement.GetProperty("probability").GetDouble(), 4);
        // The id names the event by time, rule and frame, safe as a file name.
        Assert.Equal($"{Start.UtcDateTime:yyyyMMdd'T'HHmmss'.'fff'Z'}-dog-buzzer-42", line.RootElement.GetProperty("id").GetString());
        Assert.Equal("20260101T000000.000Z-a-b-c-7", new RuleEvent(0, RuleEventKind.Trigger, 1, 7, new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)))
            .Id(engine.Rules[1] with { Name = "a/b c" }));
    }

    [Fact]
    public void Probabilities_that_are_not_numbers_count_as_not_the_class_so_an_active_rule_releases()
    {
        var engine = new RuleEngine([CatRule()], Labels);
        Assert.Equal([(3L, RuleEventKind.Trigger), (6L, RuleEventKind.Release)], Feed(engine, 0.9f, 0.9f, 0.9f, float.NaN, float.NaN, float.NaN));
        // Nor can NaN trigger it, with or without an open-set threshold.
        engine.ModelUnknownBelow = 0.5f;
        Assert.Empty(Feed(engine, Enumerable.Repeat(float.NaN, 20).ToArray()));
    }

    [Fact]
    public void A_clock_stepping_back_does_not_hold_a_rule_off_for_the_length_of_the_step()
    {
        var engine = new RuleEngine([CatRule(TimeSpan.FromSeconds(1))], Labels);
        Span<RuleEvent> events = stackalloc RuleEvent[1];
        var seen = new List<(long, RuleEventKind)>();
        float[] cat = [0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f, .. Enumerable.Repeat(0.9f, 20)];
        for (int i = 0; i < cat.Length; i++)
        {
            // Frame 7 onwards: the clock was set back an hour (NTP, or a Pi without a real-time clock at boot).
            DateTimeOffset time = Start + TimeSpan.FromMilliseconds(100 * i) - (i >= 6 ? TimeSpan.FromHours(1) : TimeSpan.Zero);
            int count = engine.Update([1 - cat[i], cat[i], 0], i + 1, time, events);
            for (int e = 0; e < count; e++) seen.Add((events[e].Frame, events[e].Kind));
        }
        // Released at frame 6; the one-second cooldown is ten frames on the frames' own timeline, plus the frame of the
        // step, which adds no time: frame 17, not an hour later.
        Assert.Equal([(3L, RuleEventKind.Trigger), (6L, RuleEventKind.Release), (17L, RuleEventKind.Trigger)], seen);
    }

    [Theory]
    [InlineData("Threshold")]
    [InlineData("ReleaseThreshold")]
    [InlineData("UnknownThreshold")]
    public void A_threshold_that_is_not_a_number_is_refused_naming_the_key(string field)
    {
        RuleOptions rule = field switch
        {
            "Threshold" => CatRule() with { Threshold = float.NaN },
            "ReleaseThreshold" => CatRule() with { ReleaseThreshold = float.NaN },
            _ => CatRule() with { UnknownThreshold = float.NaN },
        };
        var error = Assert.Throws<ArgumentException>(() => new RuleEngine([rule], Labels));
        Assert.StartsWith($"Rules:0:{field} is NaN", error.Message);
    }

    [Fact]
    public void Rule_names_that_become_the_same_mqtt_topic_are_refused()
    {
        var rules = new EdgeCnn.Device.Configuration.RuleList { CatRule() with { Name = "a_b" }, CatRule() with { Name = "a b" } };
        var validator = new EdgeCnn.Device.Configuration.RuleListValidator(
            Microsoft.Extensions.Options.Options.Create(new EdgeCnn.Device.Configuration.ModelOptions { Path = "/no/such/model.onnx" }),
            Microsoft.Extensions.Options.Options.Create(new EdgeCnn.Device.Configuration.OutputList { new() { Name = "led", Type = EdgeCnn.Device.Configuration.OutputType.Led, Pin = 17 } }));
        string failure = Assert.Single(validator.Validate(null, rules).Failures!);
        Assert.Equal("Rules:1:Name 'a b' and Rules:0:Name 'a_b' both become 'a_b' in MQTT topics and Home Assistant ids; rename one of them.", failure);
    }

    [Theory]
    [InlineData("Class", "Rules:0:Class")]
    [InlineData("ReleaseThreshold", "Rules:0:ReleaseThreshold")]
    [InlineData("TriggerFrames", "Rules:0:TriggerFrames")]
    public void Bad_rules_are_refused_naming_the_key(string field, string key)
    {
        RuleOptions rule = field switch
        {
            "Class" => CatRule() with { Class = "horse" },
            "ReleaseThreshold" => CatRule() with { ReleaseThreshold = 0.9f },
            _ => CatRule() with { TriggerFrames = 6 },
        };
        var error = Assert.Throws<ArgumentException>(() => new RuleEngine([rule], Labels));
        Assert.StartsWith(key, error.Message);
        if (field == "Class") Assert.Contains("background, cat, dog", error.Message);
    }

    [Fact]
    public void Updating_allocates_nothing()
    {
        var engine = new RuleEngine([CatRule(TimeSpan.Zero), CatRule(TimeSpan.Zero) with { Name = "second" }], Labels);
        var events = new RuleEvent[2];
        float[] high = [0.1f, 0.9f, 0f], low = [0.9f, 0.1f, 0f];
        // Frame numbers and times advance across the warm-up and the measured windows alike.
        int frame = 0, triggers = 0;
        SteadyStateAllocations.AssertNone(() =>
        {
            frame++;
            int count = engine.Update(frame % 20 < 10 ? high : low, frame, Start + TimeSpan.FromMilliseconds(100 * frame), events);
            for (int e = 0; e < count; e++) if (events[e].Kind == RuleEventKind.Trigger) triggers++;
        }, warmUp: 100, perWindow: 1000);
        Assert.True(triggers > 0);
    }
}
