namespace EdgeCnn.Device.Configuration;

/// <summary>
/// What an <see cref="OutputType"/> means for the rest of the device: which header pin it occupies, how its
/// settings are checked and how it is named in messages. Each wiring is one class; <see cref="Of"/> is the one place
/// that maps a type to its wiring (and <c>Outputs/OutputFactory</c> the one place that opens it). Named for
/// the wiring, not the "kind", so as not to be confused with <c>EdgeCnn.Vision.OutputKind</c> (logits or probabilities).
/// </summary>
public abstract class OutputWiring
{
    /// <summary>LEDs and active buzzers: switched by a GPIO line.</summary>
    public static readonly OutputWiring GpioLine = new GpioLineWiring();

    /// <summary>Passive buzzers: a tone from a PWM channel.</summary>
    public static readonly OutputWiring PwmTone = new PwmToneWiring();

    /// <summary>The wiring of <paramref name="type"/>.</summary>
    public static OutputWiring Of(OutputType type) => type switch
    {
        OutputType.Led or OutputType.ActiveBuzzer => GpioLine,
        OutputType.PassiveBuzzer => PwmTone,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "an output type without its wiring: add it here."),
    };

    /// <summary>Whether it is switched through the GPIO controller (else it opens its own channel).</summary>
    public abstract bool UsesGpioController { get; }

    /// <summary>The GPIO line (BCM) it occupies on the header and the settings key that puts it there.</summary>
    public abstract (int Line, string Key) HeaderLine(OutputOptions output, string key);

    /// <summary>Where it is wired, as messages name it: <c>GPIO 17</c>, <c>PWM 0/0</c>.</summary>
    public abstract string Where(OutputOptions output);

    /// <summary>What to check when it cannot be opened.</summary>
    public abstract string HowToFree(string key);

    /// <summary>Checks the settings only this wiring has; <paramref name="fail"/> takes the field and why.</summary>
    public abstract void Validate(OutputOptions output, Action<string, string> fail);
}
