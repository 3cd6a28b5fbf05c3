namespace EdgeCnn.Device.Arming;

/// <summary>What the device is doing about its outputs at a moment; see <see cref="ArmingState.ModeAt"/>.</summary>
public enum ArmedMode
{
    /// <summary>Rules switch the outputs.</summary>
    Armed,

    /// <summary>Switched off by hand: rules still run and events are logged, no output switches.</summary>
    Disarmed,

    /// <summary>Armed, but silenced until a time.</summary>
    Snoozed,

    /// <summary>Armed, but inside a span of the quiet hours.</summary>
    QuietHours,
}

/// <summary>
/// The armed state as it is kept across restarts: armed or disarmed by hand, snoozed until a time, who changed it
/// last and when. Quiet hours are settings, applied on top (<see cref="ModeAt"/>).
/// </summary>
/// <param name="Armed">Armed by hand (the switch in Home Assistant).</param>
/// <param name="SnoozedUntil">Silenced until this time, if snoozed.</param>
/// <param name="ChangedBy">Who changed it last: the button, the page, MQTT, the command line, the settings.</param>
/// <param name="ChangedAt">When.</param>
public sealed record ArmingState(bool Armed, DateTimeOffset? SnoozedUntil, string ChangedBy, DateTimeOffset ChangedAt)
{
    /// <summary>The mode at <paramref name="now"/>: disarmed, then snoozed, then quiet hours, else armed. Allocates nothing.</summary>
    public ArmedMode ModeAt(DateTimeOffset now, QuietHours quiet, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(quiet);
        if (!Armed) return ArmedMode.Disarmed;
        if (SnoozedUntil is { } until && now < until) return ArmedMode.Snoozed;
        return quiet.Contains(now, zone) ? ArmedMode.QuietHours : ArmedMode.Armed;
    }

    /// <summary>The mode's name as status, MQTT and the page write it: armed, disarmed, snoozed, quiet-hours.</summary>
    public static string Name(ArmedMode mode) => mode switch
    {
        ArmedMode.Armed => "armed",
        ArmedMode.Disarmed => "disarmed",
        ArmedMode.Snoozed => "snoozed",
        _ => "quiet-hours",
    };
}
