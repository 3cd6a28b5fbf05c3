namespace EdgeCnn.Device.Configuration;

/// <summary>How the outputs reach the pins.</summary>
public enum GpioDriverKind
{
    /// <summary>System.Device.Gpio's own choice for the board.</summary>
    Auto,

    /// <summary>The GPIO character device through libgpiod, on the chip <see cref="GpioOptions.Chip"/>.</summary>
    Libgpiod,

    /// <summary>The legacy /sys/class/gpio interface.</summary>
    Sysfs,

    /// <summary>No hardware: transitions are logged. For development machines; only ever chosen by configuration.</summary>
    Simulated,
}
