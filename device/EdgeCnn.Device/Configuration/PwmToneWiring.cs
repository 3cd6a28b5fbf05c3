namespace EdgeCnn.Device.Configuration;

/// <summary>A passive buzzer: it sounds only with a tone, made by a hardware PWM channel.</summary>
public sealed class PwmToneWiring : OutputWiring
{
    // With the default pwm overlay, PWM channel 0 is GPIO 18 and channel 1 is GPIO 19.
    private const int FirstPwmLine = 18;

    /// <inheritdoc />
    public override bool UsesGpioController => false;

    /// <inheritdoc />
    public override (int Line, string Key) HeaderLine(OutputOptions output, string key) =>
        (FirstPwmLine + output.PwmChannel, $"{key} ('{output.Name}', PWM channel {output.PwmChannel})");

    /// <inheritdoc />
    public override string Where(OutputOptions output) => $"PWM {output.PwmChip}/{output.PwmChannel}";

    /// <inheritdoc />
    public override string HowToFree(string key) => $"check {key}:PwmChip and {key}:PwmChannel and that the pwm overlay is enabled (dtoverlay=pwm in config.txt).";

    /// <inheritdoc />
    public override void Validate(OutputOptions output, Action<string, string> fail)
    {
        if (output.FrequencyHz is < 20 or > 20000) fail("FrequencyHz", $"is {output.FrequencyHz}; use an audible tone, 20 to 20000 Hz.");
    }
}
