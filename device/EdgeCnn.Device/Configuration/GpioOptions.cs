namespace EdgeCnn.Device.Configuration;

/// <summary>Which GPIO driver and chip the outputs use (section <c>Gpio</c>).</summary>
public sealed class GpioOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Gpio";

    /// <summary>The driver; <c>simulated</c> on a machine without GPIO.</summary>
    public GpioDriverKind Driver { get; set; } = GpioDriverKind.Auto;

    /// <summary>
    /// The GPIO chip for libgpiod; -1 (the default) finds the 40-pin header's by its label (pinctrl-rp1 on a Pi 5,
    /// pinctrl-bcm2711 on a Pi 4), which is chip 0 on most images and chip 4 on a Pi 5 with early ones:
    /// <c>gpiodetect</c> lists them, <c>check</c> says which was chosen and why.
    /// </summary>
    public int Chip { get; set; } = -1;

    /// <summary>Checks the values; errors name the key.</summary>
    public void Validate()
    {
        if (Chip is < -1 or > 63) throw new ArgumentException($"{Section}:Chip is {Chip}; use the number of a /dev/gpiochipN (gpiodetect lists them), or -1 to find the 40-pin header's.");
    }
}
