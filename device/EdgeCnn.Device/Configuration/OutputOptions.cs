using System.Text.Json.Serialization;

namespace EdgeCnn.Device.Configuration;

/// <summary>What kind of thing is wired to an output.</summary>
public enum OutputType
{
    /// <summary>An LED (with its resistor) on a GPIO pin.</summary>
    Led,

    /// <summary>An active buzzer: it sounds by itself while its GPIO pin is on.</summary>
    ActiveBuzzer,

    /// <summary>A passive buzzer: it needs a tone, made by a PWM channel.</summary>
    PassiveBuzzer,
}

/// <summary>One output: where it is wired and how it behaves while its rule is active.</summary>
public sealed record OutputOptions
{
    /// <summary>Name that rules refer to.</summary>
    public string Name { get; init; } = "";

    /// <summary>What is wired there.</summary>
    public OutputType Type { get; init; } = OutputType.Led;

    /// <summary>GPIO line number (BCM numbering) for an LED or active buzzer.</summary>
    public int Pin { get; init; } = -1;

    /// <summary>True when the device is on while the pin is low (wired to 3.3 V through the device).</summary>
    public bool ActiveLow { get; init; }

    /// <summary>While active: on for this long, then off for <see cref="OffMilliseconds"/>; 0 means steadily on.</summary>
    public int OnMilliseconds { get; init; }

    /// <summary>The off part of the pattern.</summary>
    public int OffMilliseconds { get; init; }

    /// <summary>Tone of a passive buzzer in hertz.</summary>
    public int FrequencyHz { get; init; } = 2000;

    /// <summary>PWM chip of a passive buzzer (0 on a Raspberry Pi with the pwm overlay).</summary>
    public int PwmChip { get; init; }

    /// <summary>PWM channel of a passive buzzer (0 is GPIO 18 with the default pwm overlay).</summary>
    public int PwmChannel { get; init; }

    /// <summary>What its type means for pins, checks and messages (not a setting: never written or read).</summary>
    [JsonIgnore]
    public OutputWiring Wiring => OutputWiring.Of(Type);

    /// <summary>Whether the output follows an on/off pattern rather than staying on.</summary>
    public bool Blinks => OnMilliseconds > 0 && OffMilliseconds > 0;

    /// <summary>Checks the values; errors name the configuration key and say how to fix it.</summary>
    public void Validate(string key)
    {
        void Fail(string field, string why) => throw new ArgumentException($"{key}:{field} {why}");
        if (string.IsNullOrWhiteSpace(Name)) Fail("Name", "is empty; rules refer to outputs by name.");
        Wiring.Validate(this, Fail);
        if (OnMilliseconds < 0 || OffMilliseconds < 0) Fail("OnMilliseconds", "and OffMilliseconds must not be negative.");
        if (OnMilliseconds > 0 != OffMilliseconds > 0) Fail("OffMilliseconds", "must be set together with OnMilliseconds for a pattern (both 0 for steady on).");
    }
}
