namespace EdgeCnn.Device.Configuration;

/// <summary>An output switched on and off by one GPIO line: an LED or an active buzzer.</summary>
public sealed class GpioLineWiring : OutputWiring
{
    /// <inheritdoc />
    public override bool UsesGpioController => true;

    /// <inheritdoc />
    public override (int Line, string Key) HeaderLine(OutputOptions output, string key) => (output.Pin, $"{key}:Pin ('{output.Name}')");

    /// <inheritdoc />
    public override string Where(OutputOptions output) => $"GPIO {output.Pin}";

    /// <inheritdoc />
    public override string HowToFree(string key) => $"check {key}:Pin and that no other program holds it (gpioinfo).";

    /// <inheritdoc />
    public override void Validate(OutputOptions output, Action<string, string> fail)
    {
        if (output.Pin is < 0 or > 63) fail("Pin", $"is {output.Pin}; give the GPIO line number (BCM), e.g. 17.");
    }
}
