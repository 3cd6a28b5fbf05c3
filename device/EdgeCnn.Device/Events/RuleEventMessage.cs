using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Rules;

namespace EdgeCnn.Device.Events;

/// <summary>A rule event with the rule it belongs to, as the frame loop hands it to logging and publishing.</summary>
/// <param name="Event">What happened.</param>
/// <param name="Rule">The rule's options (name, class).</param>
/// <param name="Armed">Whether the device was armed: when not, the event is logged and counted but switched nothing.</param>
public readonly record struct RuleEventMessage(RuleEvent Event, RuleOptions Rule, bool Armed = true)
{
    /// <summary>The event as one JSON line.</summary>
    public string ToJsonLine() => Event.ToJsonLine(Rule, Armed);
}
