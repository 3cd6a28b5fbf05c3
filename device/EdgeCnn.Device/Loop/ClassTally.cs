using System.Globalization;
using System.Text;
using EdgeCnn.Device.Rules;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// Per class: frames where it was the top class, and with a <see cref="ClipTruth"/>, frames that showed it and how
/// many of those were classified right; per rule: triggers. Counting allocates nothing.
/// </summary>
public sealed class ClassTally
{
    private readonly IReadOnlyList<string> _labels;
    private readonly IReadOnlyList<RuleOptions> _rules;
    private readonly long[] _detected;
    private readonly long[] _shown;
    private readonly long[] _correct;
    private readonly long[] _triggers;

    /// <summary>Counts for <paramref name="labels"/> and <paramref name="rules"/>, scored against <paramref name="truth"/> when given.</summary>
    public ClassTally(IReadOnlyList<string> labels, IReadOnlyList<RuleOptions> rules, ClipTruth? truth)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(rules);
        _labels = labels;
        _rules = rules;
        Truth = truth;
        _detected = new long[labels.Count];
        _shown = new long[labels.Count];
        _correct = new long[labels.Count];
        _triggers = new long[rules.Count];
    }

    /// <summary>The truth the frames are scored against, if any.</summary>
    public ClipTruth? Truth { get; }

    /// <summary>Counts one classified frame (<paramref name="frameIndex"/> from 0 in the clip).</summary>
    public void Record(long frameIndex, int topClass)
    {
        Interlocked.Increment(ref _detected[topClass]);
        int actual = Truth?.ClassAt(frameIndex) ?? -1;
        if (actual < 0) return;
        Interlocked.Increment(ref _shown[actual]);
        if (actual == topClass) Interlocked.Increment(ref _correct[actual]);
    }

    /// <summary>Counts a rule event.</summary>
    public void Record(in RuleEvent ruleEvent)
    {
        if (ruleEvent.Kind == RuleEventKind.Trigger) Interlocked.Increment(ref _triggers[ruleEvent.Rule]);
    }

    /// <summary>Triggers of rule <paramref name="rule"/> so far.</summary>
    public long Triggers(int rule) => Interlocked.Read(ref _triggers[rule]);

    /// <summary>Frames where class <paramref name="classIndex"/> was the top class.</summary>
    public long Detected(int classIndex) => Interlocked.Read(ref _detected[classIndex]);

    /// <summary>Frames scored against the truth and how many were right.</summary>
    public (long Shown, long Correct) Score() => (_shown.Sum(), _correct.Sum());

    /// <summary>The table the service logs when it stops, one line per class.</summary>
    public IEnumerable<string> Table()
    {
        int width = Math.Max(5, _labels.Max(l => l.Length));
        var c = CultureInfo.InvariantCulture;
        if (Truth is null)
        {
            yield return string.Create(c, $"{"class".PadRight(width)}  top-1 frames");
            for (int i = 0; i < _labels.Count; i++) yield return string.Create(c, $"{_labels[i].PadRight(width)}  {_detected[i],12}");
        }
        else
        {
            yield return string.Create(c, $"{"class".PadRight(width)}  {"shown",6}  {"top-1",6}  {"right",6}  accuracy");
            for (int i = 0; i < _labels.Count; i++)
                yield return string.Create(c, $"{_labels[i].PadRight(width)}  {_shown[i],6}  {_detected[i],6}  {_correct[i],6}  {Percent(_correct[i], _shown[i])}");
            (long shown, long correct) = Score();
            yield return string.Create(c, $"{"all".PadRight(width)}  {shown,6}  {_detected.Sum(),6}  {correct,6}  {Percent(correct, shown)}");
        }
        if (_rules.Count > 0)
        {
            var triggers = new StringBuilder("triggers: ");
            triggers.AppendJoin(", ", _rules.Select((r, i) => string.Create(c, $"{r.Name} ({r.Class}) {_triggers[i]}")));
            yield return triggers.ToString();
        }
    }

    private static string Percent(long part, long whole) => whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole,6:0.0} %");
}
