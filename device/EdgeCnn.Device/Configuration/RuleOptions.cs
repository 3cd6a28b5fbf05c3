namespace EdgeCnn.Device.Configuration;

/// <summary>When one class, seen steadily enough, switches outputs on, and when it lets them go.</summary>
public sealed record RuleOptions
{
    /// <summary>Name used in events and logs.</summary>
    public string Name { get; init; } = "";

    /// <summary>The class label (as in the model's manifest) this rule watches.</summary>
    public string Class { get; init; } = "";

    /// <summary>A frame counts as a sighting when the class's probability is at least this.</summary>
    public float Threshold { get; init; } = 0.8f;

    /// <summary>Trigger when at least this many of the last <see cref="WindowFrames"/> frames are sightings.</summary>
    public int TriggerFrames { get; init; } = 3;

    /// <summary>The window for <see cref="TriggerFrames"/> (N of M).</summary>
    public int WindowFrames { get; init; } = 5;

    /// <summary>While active, a frame counts against the rule when the probability is below this (hysteresis).</summary>
    public float ReleaseThreshold { get; init; } = 0.6f;

    /// <summary>Release after this many consecutive frames below <see cref="ReleaseThreshold"/>.</summary>
    public int ReleaseFrames { get; init; } = 5;

    /// <summary>After a release, the rule cannot trigger again for this long.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Overrides the model's open-set threshold for this rule: a frame whose top-class probability is below it is
    /// "unknown" and counts as not-the-class. Null takes the model's (its manifest's <c>openSet.threshold</c>); 0
    /// never treats a frame as unknown.
    /// </summary>
    public float? UnknownThreshold { get; init; }

    /// <summary>Names of the outputs this rule drives.</summary>
    public string[] Outputs { get; init; } = [];

    /// <summary>Checks the values against each other and against the model's labels; errors name the rule and key.</summary>
    /// <param name="key">The rule's configuration key, e.g. Rules:0.</param>
    /// <param name="labels">The model's labels.</param>
    /// <param name="backgroundLabel">The model's "nothing of interest" class, which no rule may watch; null if it has none.</param>
    public void Validate(string key, IReadOnlyList<string> labels, string? backgroundLabel = null)
    {
        void Fail(string field, string why) => throw new ArgumentException($"{key}:{field} {why}");
        if (string.IsNullOrWhiteSpace(Name)) Fail("Name", "is empty; give every rule a name.");
        if (!labels.Contains(Class)) Fail("Class", $"'{Class}' is not a label of the model; its labels are: {string.Join(", ", labels)}.");
        if (backgroundLabel is not null && Class == backgroundLabel)
            Fail("Class", $"'{Class}' is the model's background class: it means nothing of interest is in view, so a rule cannot watch it. Watch an object class instead ({string.Join(", ", labels.Where(l => l != backgroundLabel))}).");
        // Each written so that NaN, which every comparison rejects, fails too.
        if (UnknownThreshold is float unknown && !(unknown is >= 0 and <= 1)) Fail("UnknownThreshold", $"is {unknown}; use a probability from 0 (never unknown) to 1, or leave it out to use the model's.");
        if (!(Threshold is > 0 and <= 1)) Fail("Threshold", $"is {Threshold}; use a probability in (0, 1].");
        if (!(ReleaseThreshold >= 0 && ReleaseThreshold <= Threshold)) Fail("ReleaseThreshold", $"is {ReleaseThreshold}; use a probability from 0 up to Threshold ({Threshold}).");
        if (WindowFrames is < 1 or > 1000) Fail("WindowFrames", $"is {WindowFrames}; use 1 to 1000 frames.");
        if (TriggerFrames < 1 || TriggerFrames > WindowFrames) Fail("TriggerFrames", $"is {TriggerFrames}; use 1 to WindowFrames ({WindowFrames}).");
        if (ReleaseFrames < 1) Fail("ReleaseFrames", $"is {ReleaseFrames}; use at least 1.");
        if (Cooldown < TimeSpan.Zero) Fail("Cooldown", "must not be negative.");
    }
}
