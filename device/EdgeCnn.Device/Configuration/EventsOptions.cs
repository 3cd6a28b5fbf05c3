namespace EdgeCnn.Device.Configuration;

/// <summary>Event snapshots: the frame of every trigger, kept as a JPEG with bounded retention (section <c>Events</c>).</summary>
public sealed class EventsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Events";

    /// <summary>Keep a snapshot of every trigger. On by default wherever there is a <see cref="FullDirectory"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where the snapshots go. Empty means <c>$STATE_DIRECTORY/events</c> under systemd (the unit's
    /// <c>StateDirectory=edgecnn</c>: <c>/var/lib/edgecnn/events</c>), and no snapshots elsewhere, so a run on a
    /// desktop writes nothing unasked.
    /// </summary>
    public string Directory { get; set; } = "";

    /// <summary>Keep at most this many snapshots; the oldest go first.</summary>
    public int MaxCount { get; set; } = 500;

    /// <summary>Keep at most this many megabytes of snapshots; the oldest go first.</summary>
    public double MaxMegabytes { get; set; } = 50;

    /// <summary>The folder snapshots go to, or null when they are off.</summary>
    public string? FullDirectory => !Enabled ? null
        : Directory.Length > 0 ? Path.GetFullPath(Directory)
        : ServiceStateDirectory.Path is string state ? Path.Combine(state, "events")
        : null;

    /// <summary>Throws with the key and the fix when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxCount < 1) throw new ArgumentException($"{Section}:MaxCount is {MaxCount}; keep at least 1 snapshot (or set {Section}:Enabled to false).");
        if (!(MaxMegabytes > 0)) throw new ArgumentException($"{Section}:MaxMegabytes is {MaxMegabytes}; give a positive size in megabytes (or set {Section}:Enabled to false).");
    }
}
