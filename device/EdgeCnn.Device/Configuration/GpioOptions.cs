namespace EdgeCnn.Device.Configuration;

/// <summary>Which GPIO driver and chip the outputs use (section <c>Gpio</c>).</summary>
public sealed class GpioOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Gpio";

    /// <summary>The driver; <c>simulated</c> on a machine without GPIO.</summary>
    public GpioDriverKind Driver { get; set; } = GpioDriverKind.Auto;

    /// <summary>
    /// The GPIO chip for libgpiod. The 40-pin header is chip 0 on a Pi 4 and on a Pi 5 with current Raspberry Pi OS,
    /// chip 4 on a Pi 5 with early images: <c>gpiodetect</c> lists them (the header's is pinctrl-rp1 on a Pi 5).
    /// </summary>
    public int Chip { get; set; }

    /// <summary>Checks the values; errors name the key.</summary>
    public void Validate()
    {
        if (Chip is < 0 or > 63) throw new ArgumentException($"{Section}:Chip is {Chip}; use the number of a /dev/gpiochipN (gpiodetect lists them).");
    }
}
