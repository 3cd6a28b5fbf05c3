using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Rules;

/// <summary>
/// Turns each frame's class probabilities into rule triggers and releases: N-of-M sightings above a threshold to
/// trigger, a lower release threshold held for a number of frames to release (hysteresis, so a flickering
/// probability does not flicker the LED), and a cooldown after each release.
/// </summary>
/// <remarks>
/// A frame whose top-class probability is below the open-set threshold (the model's, or the rule's
/// <see cref="RuleOptions.UnknownThreshold"/>) is "unknown": it counts as not-the-class for the rule, however high
/// the class's own probability, and so does a probability that is not a number (a model that produced NaN). Time
/// comes from the frames' timestamps, never the clock, so behaviour is the same live and in tests; cooldowns are
/// measured on a <see cref="SteadyTimeline"/> of them, so a clock stepping back does not hold a rule off for the
/// length of the step. Updating allocates nothing: state lives in arrays made at construction, and events go into a
/// span the caller owns.
/// </remarks>
public sealed class RuleEngine
{
    private readonly RuleOptions[] _rules;
    private readonly int[] _classIndex;
    private readonly bool[][] _window;
    private readonly int[] _windowPosition;
    private readonly int[] _sightings;
    private readonly int[] _lowFrames;
    private readonly bool[] _active;
    private readonly DateTimeOffset[] _coolUntil;
    private float _modelUnknownBelow;
    private SteadyTimeline _timeline;

    /// <summary>Validates every rule against the model's labels; errors name the rule's configuration key.</summary>
    /// <param name="rules">The rules, in the order events refer to them.</param>
    /// <param name="labels">The model's labels.</param>
    /// <param name="backgroundLabel">The model's background class, which no rule may watch; null if it has none.</param>
    /// <param name="unknownBelow">The model's open-set threshold (0: none).</param>
    /// <param name="configurationSection">The configuration key errors name.</param>
    public RuleEngine(IReadOnlyList<RuleOptions> rules, IReadOnlyList<string> labels, string? backgroundLabel = null, float unknownBelow = 0f,
        string configurationSection = "Rules")
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(labels);
        for (int i = 0; i < rules.Count; i++) rules[i].Validate($"{configurationSection}:{i}", labels, backgroundLabel);
        _modelUnknownBelow = unknownBelow;
        string? duplicate = rules.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null) throw new ArgumentException($"{configurationSection}: two rules are named '{duplicate}'; names must be unique.");
        _rules = [.. rules];
        _classIndex = _rules.Select(r => labels.ToList().IndexOf(r.Class)).ToArray();
        _window = _rules.Select(r => new bool[r.WindowFrames]).ToArray();
        _windowPosition = new int[_rules.Length];
        _sightings = new int[_rules.Length];
        _lowFrames = new int[_rules.Length];
        _active = new bool[_rules.Length];
        _coolUntil = new DateTimeOffset[_rules.Length];
    }

    /// <summary>The rules, in the order events refer to them.</summary>
    public IReadOnlyList<RuleOptions> Rules => _rules;

    /// <summary>The model's open-set threshold, for rules that do not set their own; a reloaded model brings its own.</summary>
    public float ModelUnknownBelow
    {
        get => _modelUnknownBelow;
        set => _modelUnknownBelow = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a probability from 0 to 1");
    }

    /// <summary>Whether rule <paramref name="rule"/> is active (its outputs on).</summary>
    public bool IsActive(int rule) => _active[rule];

    /// <summary>
    /// Feeds one frame's probabilities (in label order). Writes at most one event per rule into
    /// <paramref name="events"/> and returns how many it wrote.
    /// </summary>
    public int Update(ReadOnlySpan<float> probabilities, long frame, DateTimeOffset time, Span<RuleEvent> events)
    {
        if (events.Length < _rules.Length)
            throw new ArgumentException($"events must hold one slot per rule ({_rules.Length}).", nameof(events));
        int written = 0;
        DateTimeOffset steady = _timeline.Advance(time);
        float top = 0;
        foreach (float p in probabilities) top = Math.Max(top, p);
        for (int r = 0; r < _rules.Length; r++)
        {
            RuleOptions rule = _rules[r];
            // Written so that NaN (the top, or the class's own) counts as unknown: "not the class".
            bool unknown = !(top >= (rule.UnknownThreshold ?? _modelUnknownBelow));
            float own = probabilities[_classIndex[r]];
            float probability = unknown || float.IsNaN(own) ? 0f : own;
            bool sighting = probability >= rule.Threshold;

            // Slide the N-of-M window.
            bool[] window = _window[r];
            int position = _windowPosition[r];
            if (window[position]) _sightings[r]--;
            window[position] = sighting;
            if (sighting) _sightings[r]++;
            _windowPosition[r] = (position + 1) % window.Length;

            if (_active[r])
            {
                _lowFrames[r] = probability < rule.ReleaseThreshold ? _lowFrames[r] + 1 : 0;
                if (_lowFrames[r] >= rule.ReleaseFrames)
                {
                    _active[r] = false;
                    _coolUntil[r] = steady + rule.Cooldown;
                    ClearWindow(r);
                    events[written++] = new RuleEvent(r, RuleEventKind.Release, probability, frame, time);
                }
            }
            else if (_sightings[r] >= rule.TriggerFrames && steady >= _coolUntil[r])
            {
                _active[r] = true;
                _lowFrames[r] = 0;
                events[written++] = new RuleEvent(r, RuleEventKind.Trigger, probability, frame, time);
            }
        }
        return written;
    }

    // After a release the rule starts counting sightings afresh, so frames from before it cannot re-trigger it.
    private void ClearWindow(int rule)
    {
        Array.Clear(_window[rule]);
        _sightings[rule] = 0;
        _windowPosition[rule] = 0;
    }
}
