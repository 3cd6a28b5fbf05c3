using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Rules;
using EdgeCnn.Vision;

namespace EdgeCnn.Device.Scoring;

/// <summary>
/// Every frame's class probabilities from one pass of the model over a clip with a truth file, replayed through the
/// rules at other thresholds: what <c>tune</c> prints. The model runs once; each threshold costs only the rules,
/// which are pure and take their time from the frames, so a replay triggers exactly where a run of the service on
/// the same clip would.
/// </summary>
public sealed class ThresholdSweep
{
    /// <summary>The precision a suggested threshold must keep, with no trigger on an empty stretch.</summary>
    public const double SuggestedPrecision = 0.95;

    private readonly ModelManifest _manifest;
    private readonly ClipTruth _truth;
    private readonly double _framesPerSecond;
    private readonly List<float[]> _frames = [];

    /// <param name="manifest">The model's manifest: labels, background class and open-set threshold.</param>
    /// <param name="truth">What each frame of the clip shows.</param>
    /// <param name="framesPerSecond">The clip's frame rate: the frames' timestamps, which cooldowns are measured on.</param>
    public ThresholdSweep(ModelManifest manifest, ClipTruth truth, double framesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(framesPerSecond);
        _manifest = manifest;
        _truth = truth;
        _framesPerSecond = framesPerSecond;
    }

    /// <summary>Frames recorded so far.</summary>
    public int Frames => _frames.Count;

    /// <summary>One threshold's outcome.</summary>
    /// <param name="Threshold">Every rule's <see cref="RuleOptions.Threshold"/>.</param>
    /// <param name="ReleaseThreshold">The first rule's <see cref="RuleOptions.ReleaseThreshold"/> at it.</param>
    /// <param name="Events">Its triggers scored against the truth.</param>
    public sealed record Row(float Threshold, float ReleaseThreshold, ClassTally.EventScore Events);

    /// <summary>Records the next frame's probabilities, in label order.</summary>
    public void Add(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length != _manifest.Labels.Length)
            throw new ArgumentException($"{probabilities.Length} probabilities for a model of {_manifest.Labels.Length} labels.", nameof(probabilities));
        _frames.Add(probabilities.ToArray());
    }

    /// <summary>The recorded frames through <paramref name="rules"/>, counted as the service counts a run on the clip.</summary>
    public ClassTally Replay(IReadOnlyList<RuleOptions> rules)
    {
        var engine = new RuleEngine(rules, _manifest.Labels, _manifest.BackgroundLabel, _manifest.UnknownBelow);
        var tally = new ClassTally(_manifest, rules, _truth);
        var events = new RuleEvent[rules.Count];
        for (int i = 0; i < _frames.Count; i++)
        {
            // As the service numbers a clip's frames: from 1, at the clip's rate.
            DateTimeOffset time = DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(i / _framesPerSecond);
            int count = engine.Update(_frames[i], i + 1, time, events);
            for (int e = 0; e < count; e++) tally.Record(events[e]);
            tally.Record(i, Classification.Top(_frames[i]));
        }
        return tally;
    }

    /// <summary>
    /// The recorded frames through <paramref name="rules"/> with every rule's threshold set to each of
    /// <paramref name="thresholds"/> in turn, its release threshold kept as far below it as configured (at least 0).
    /// </summary>
    public IReadOnlyList<Row> Sweep(IReadOnlyList<RuleOptions> rules, IEnumerable<float> thresholds)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(thresholds);
        var rows = new List<Row>();
        foreach (float threshold in thresholds)
        {
            RuleOptions[] moved = [.. rules.Select(r => r with { Threshold = threshold, ReleaseThreshold = ReleaseFor(r, threshold) })];
            rows.Add(new Row(threshold, moved.Length > 0 ? moved[0].ReleaseThreshold : 0f, Replay(moved).Events()!));
        }
        return rows;
    }

    // Rounded, so that 0.7 and 0.5 moved to 0.6 release at 0.4, not at 0.39999998; never above the threshold itself.
    private static float ReleaseFor(RuleOptions rule, float threshold) =>
        Math.Clamp(MathF.Round(threshold - (rule.Threshold - rule.ReleaseThreshold), 3), 0f, threshold);

    /// <summary>
    /// The row to suggest: the most watched items triggered with no trigger on an empty stretch and precision at
    /// least <see cref="SuggestedPrecision"/>; of equals, the highest threshold (the fewest false alarms to come). Null
    /// when no row that triggers at all keeps the empty scene quiet at that precision.
    /// </summary>
    public static Row? Suggest(IEnumerable<Row> rows) =>
        rows.Where(r => r.Events.ItemsTriggered > 0 && r.Events.OnEmpty == 0 && r.Events.Precision >= SuggestedPrecision)
            .OrderByDescending(r => r.Events.ItemsTriggered).ThenByDescending(r => r.Threshold).FirstOrDefault();
}
