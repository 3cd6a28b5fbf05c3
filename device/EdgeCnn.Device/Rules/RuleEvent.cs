using System.Globalization;
using System.Text.Json;
using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Rules;

/// <summary>Whether a rule started or stopped.</summary>
public enum RuleEventKind
{
    /// <summary>The rule became active: its outputs switch on.</summary>
    Trigger,

    /// <summary>The rule became inactive: its outputs switch off.</summary>
    Release,
}

/// <summary>One trigger or release, as the engine reports it; a value type, so reporting allocates nothing.</summary>
/// <param name="Rule">Index of the rule in the engine.</param>
/// <param name="Kind">Trigger or release.</param>
/// <param name="Probability">The watched class's probability in the frame that caused it.</param>
/// <param name="Frame">The frame number.</param>
/// <param name="Time">The frame's timestamp.</param>
public readonly record struct RuleEvent(int Rule, RuleEventKind Kind, float Probability, long Frame, DateTimeOffset Time)
{
    // A log line, not HTML: '+' in the time zone and non-ASCII labels are written as they are.
    private static readonly JsonSerializerOptions LogLineOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// The event's id: its time (UTC, to the millisecond), rule and frame, e.g.
    /// <c>20261125T014758.123Z-sneaker-led-1234</c>. Sortable by time, safe as a file name, and the same wherever it
    /// is computed, so the log, MQTT and the snapshot on disk name one event alike without sharing state.
    /// </summary>
    public string Id(RuleOptions rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        string name = string.Concat(rule.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-'));
        return string.Create(CultureInfo.InvariantCulture, $"{Time.UtcDateTime:yyyyMMdd'T'HHmmss'.'fff'Z'}-{name}-{Frame}");
    }

    /// <summary>The event as one JSON line, for the log (built off the frame loop).</summary>
    /// <param name="rule">The rule it belongs to.</param>
    /// <param name="armed">Whether the device was armed; a line of an event that switched nothing says <c>"armed":false</c>.</param>
    public string ToJsonLine(RuleOptions rule, bool armed = true)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return JsonSerializer.Serialize(new
        {
            @event = Kind == RuleEventKind.Trigger ? "trigger" : "release",
            rule = rule.Name,
            @class = rule.Class,
            probability = Math.Round(Probability, 4),
            frame = Frame,
            time = Time.ToString("O", CultureInfo.InvariantCulture),
            id = Id(rule),
            armed = armed ? (bool?)null : false,
        }, LogLineOptions);
    }
}
