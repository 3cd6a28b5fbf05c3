using System.Globalization;
using System.Text;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Rules;
using EdgeCnn.Vision;

namespace EdgeCnn.Device.Scoring;

/// <summary>
/// Per class: frames where it was the answer, and with a <see cref="ClipTruth"/>, frames that showed it and how many
/// of those were answered right; per rule: triggers, and with a truth, whether each fell on a stretch that showed the
/// rule's class. Counting allocates nothing.
/// </summary>
/// <remarks>
/// The answer for a frame is its top class, except that a frame below the model's open-set threshold is "unknown".
/// On an empty stretch, "nothing" (the background class) and "unknown" are both right: the device stays quiet.
/// </remarks>
public sealed class ClassTally
{
    private readonly ModelManifest _manifest;
    private readonly IReadOnlyList<RuleOptions> _rules;
    private readonly string[] _rows;
    private readonly int _background;
    private readonly int _unknownRow;
    private readonly int[] _ruleClass;
    private readonly long[] _detected;
    private readonly long[] _shown;
    private readonly long[] _correct;
    private readonly long[] _triggers;
    private readonly bool[] _stretchTriggered;
    private readonly int _watchedItems;
    private long _trueTriggers;
    private long _emptyTriggers;
    private long _latencySum;
    private long _latencyMax;
    private long _itemsTriggered;

    /// <summary>Counts for the model's labels and <paramref name="rules"/>, scored against <paramref name="truth"/> when given.</summary>
    public ClassTally(ModelManifest manifest, IReadOnlyList<RuleOptions> rules, ClipTruth? truth)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(rules);
        _manifest = manifest;
        _rules = rules;
        Truth = truth;
        // Looked up once: the manifest derives it from its labels on every call.
        _background = manifest.BackgroundIndex;
        _unknownRow = manifest.Labels.Length;
        _rows = [.. manifest.Labels.Select((l, i) => i == _background ? $"{l} ({ModelManifest.NothingName})" : l),
            _background < 0 ? $"{ModelManifest.NothingName}/{ModelManifest.UnknownName}" : ModelManifest.UnknownName];
        _ruleClass = rules.Select(r => Array.IndexOf(manifest.Labels, r.Class)).ToArray();
        _detected = new long[_rows.Length];
        _shown = new long[_rows.Length];
        _correct = new long[_rows.Length];
        _triggers = new long[rules.Count];
        _stretchTriggered = new bool[truth?.Stretches.Count ?? 0];
        _watchedItems = truth?.Stretches.Count(s => _ruleClass.Contains(s.Class)) ?? 0;
    }

    /// <summary>The truth the frames are scored against, if any.</summary>
    public ClipTruth? Truth { get; }

    /// <summary>How a run's rule triggers compare with the truth.</summary>
    /// <param name="Triggers">All triggers.</param>
    /// <param name="TrueTriggers">Triggers on a stretch that shows the rule's class.</param>
    /// <param name="OnEmpty">Triggers on an empty stretch.</param>
    /// <param name="WatchedItems">Stretches showing a class some rule watches.</param>
    /// <param name="ItemsTriggered">Of those, the ones that got a trigger.</param>
    /// <param name="MeanLatencyFrames">From an item's first frame to its first trigger, over the triggered items.</param>
    /// <param name="MaxLatencyFrames">The longest of those.</param>
    public sealed record EventScore(long Triggers, long TrueTriggers, long OnEmpty, int WatchedItems, long ItemsTriggered, double MeanLatencyFrames, long MaxLatencyFrames)
    {
        /// <summary>True triggers over all triggers (1 when there were none).</summary>
        public double Precision => Triggers == 0 ? 1 : (double)TrueTriggers / Triggers;

        /// <summary>Watched items that got a trigger, over all watched items (1 when there were none).</summary>
        public double Recall => WatchedItems == 0 ? 1 : (double)ItemsTriggered / WatchedItems;
    }

    /// <summary>Counts one classified frame (<paramref name="frameIndex"/> from 0 in the clip).</summary>
    public void Record(long frameIndex, Classification top)
    {
        bool rejected = _manifest.OpenSet?.Rejects(top.Probability) == true;
        int answer = top.ClassIndex == _background || !rejected ? top.ClassIndex : _unknownRow;
        Interlocked.Increment(ref _detected[answer]);
        if (Truth is null) return;
        int actual = Truth.ClassAt(frameIndex);
        if (actual < 0) return;
        Interlocked.Increment(ref _shown[actual]);
        bool quiet = answer == _background || answer == _unknownRow;
        if (answer == actual || (actual == Truth.Empty && quiet)) Interlocked.Increment(ref _correct[actual]);
    }

    /// <summary>Counts a rule event; with a truth, scores a trigger against the stretch it fell on.</summary>
    public void Record(in RuleEvent ruleEvent)
    {
        if (ruleEvent.Kind != RuleEventKind.Trigger) return;
        Interlocked.Increment(ref _triggers[ruleEvent.Rule]);
        if (Truth is null) return;
        long frameIndex = ruleEvent.Frame - 1;
        int stretch = Truth.StretchAt(frameIndex);
        if (stretch < 0) return;
        ClipTruth.Stretch shown = Truth.Stretches[stretch];
        if (shown.Class == Truth.Empty) Interlocked.Increment(ref _emptyTriggers);
        if (shown.Class != _ruleClass[ruleEvent.Rule]) return;
        Interlocked.Increment(ref _trueTriggers);
        if (_stretchTriggered[stretch]) return;
        _stretchTriggered[stretch] = true;
        // Frames of a looped clip count within the loop.
        long latency = frameIndex % Truth.Frames - shown.First;
        Interlocked.Add(ref _latencySum, latency);
        Interlocked.Increment(ref _itemsTriggered);
        if (latency > Interlocked.Read(ref _latencyMax)) Interlocked.Exchange(ref _latencyMax, latency);
    }

    /// <summary>Triggers of rule <paramref name="rule"/> so far.</summary>
    public long Triggers(int rule) => Interlocked.Read(ref _triggers[rule]);

    /// <summary>Frames whose answer was class <paramref name="classIndex"/> (or, one past the labels, unknown).</summary>
    public long Detected(int classIndex) => Interlocked.Read(ref _detected[classIndex]);

    /// <summary>Frames scored against the truth and how many were right.</summary>
    public (long Shown, long Correct) Score() => (_shown.Sum(), _correct.Sum());

    /// <summary>The triggers scored against the truth; null without one.</summary>
    public EventScore? Events()
    {
        if (Truth is null) return null;
        long triggered = Interlocked.Read(ref _itemsTriggered);
        return new EventScore(_triggers.Sum(), Interlocked.Read(ref _trueTriggers), Interlocked.Read(ref _emptyTriggers), _watchedItems, triggered,
            triggered == 0 ? 0 : (double)Interlocked.Read(ref _latencySum) / triggered, Interlocked.Read(ref _latencyMax));
    }

    /// <summary>The table the service logs when it stops, one line per class, then the rules' triggers.</summary>
    public IEnumerable<string> Table()
    {
        int width = Math.Max(5, _rows.Max(l => l.Length));
        var c = CultureInfo.InvariantCulture;
        if (Truth is null)
        {
            yield return string.Create(c, $"{"class".PadRight(width)}  top-1 frames");
            for (int i = 0; i < _rows.Length; i++) yield return string.Create(c, $"{_rows[i].PadRight(width)}  {_detected[i],12}");
        }
        else
        {
            yield return string.Create(c, $"{"class".PadRight(width)}  {"shown",6}  {"top-1",6}  {"right",6}  accuracy");
            for (int i = 0; i < _rows.Length; i++)
            {
                if (i == _unknownRow && _shown[i] == 0 && _detected[i] == 0) continue;
                yield return string.Create(c, $"{_rows[i].PadRight(width)}  {_shown[i],6}  {_detected[i],6}  {_correct[i],6}  {Percent(_correct[i], _shown[i])}");
            }
            (long shown, long correct) = Score();
            yield return string.Create(c, $"{"all".PadRight(width)}  {shown,6}  {_detected.Sum(),6}  {correct,6}  {Percent(correct, shown)}");
        }
        if (_rules.Count > 0)
        {
            var triggers = new StringBuilder("triggers: ");
            triggers.AppendJoin(", ", _rules.Select((r, i) => string.Create(c, $"{r.Name} ({r.Class}) {_triggers[i]}")));
            yield return triggers.ToString();
        }
        if (Events() is { } events && _rules.Count > 0)
        {
            yield return string.Create(c, $"events: {events.Triggers} triggers, {events.TrueTriggers} on their class (precision {events.Precision:0.00}); " +
                $"{events.ItemsTriggered} of {events.WatchedItems} watched items triggered (recall {events.Recall:0.00}); {events.OnEmpty} on empty stretches; " +
                $"latency from an item's first frame {events.MeanLatencyFrames:0.0} frames mean, {events.MaxLatencyFrames} max");
        }
    }

    private static string Percent(long part, long whole) => whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole,6:0.0} %");
}
