namespace EdgeCnn.Device.Arming;

/// <summary>
/// Whether rules may switch outputs (section <c>Arming</c>): the state at first start, the quiet hours, and how long
/// a snooze lasts. Arming, disarming and snoozing while the device runs are kept in the state directory (see
/// <see cref="ArmingFile"/>), so they survive a restart; these settings do not override them.
/// </summary>
public sealed class ArmingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Arming";

    /// <summary>Armed at the very first start, before anyone armed or disarmed it.</summary>
    public bool Armed { get; set; } = true;

    /// <summary>
    /// Spans of local time (the machine's time zone) when no output switches, each <c>HH:mm-HH:mm</c>; a span may
    /// cross midnight, e.g. <c>22:00-07:00</c>.
    /// </summary>
    public List<string> QuietHours { get; set; } = [];

    /// <summary>How long a snooze lasts when none is given (the button's press, the page's button).</summary>
    public TimeSpan Snooze { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The quiet hours, parsed.</summary>
    public QuietHours ParsedQuietHours() => Arming.QuietHours.Parse(QuietHours, $"{Section}:QuietHours");

    /// <summary>Checks the values; errors name the key and say how to fix it.</summary>
    public void Validate()
    {
        ParsedQuietHours();
        if (Snooze < TimeSpan.FromSeconds(1) || Snooze > TimeSpan.FromDays(7))
            throw new ArgumentException($"{Section}:Snooze is {Snooze}; give a time from 00:00:01 to 7.00:00:00 (a week, the longest snooze anywhere), e.g. 00:10:00.");
    }
}
