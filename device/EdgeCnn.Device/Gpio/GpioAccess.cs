using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Gpio;

/// <summary>Says why the GPIO driver cannot be used here, in words that tell the user what to do.</summary>
public static class GpioAccess
{
    /// <summary>The problem with using <paramref name="options"/> on this machine, or null when there is none that can be seen.</summary>
    /// <param name="options">The GPIO settings.</param>
    /// <param name="chip">The chip chosen (<see cref="GpioBoard.ChooseChip"/>).</param>
    public static string? Diagnose(GpioOptions options, int chip)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Driver)
        {
            case GpioDriverKind.Simulated:
                return null;
            case GpioDriverKind.Sysfs:
                if (!Directory.Exists("/sys/class/gpio"))
                    return "Gpio:Driver is sysfs but /sys/class/gpio does not exist (newer kernels dropped it); use Gpio:Driver libgpiod.";
                return CanWrite("/sys/class/gpio/export") ? null
                    : $"permission denied on /sys/class/gpio/export; add the user to the 'gpio' group: sudo usermod -aG gpio {Environment.UserName} (then log in again).";
            default:
                string device = $"/dev/gpiochip{chip}";
                if (!File.Exists(device))
                {
                    string[] chips = Directory.Exists("/dev") ? Directory.GetFiles("/dev", "gpiochip*").Order(StringComparer.Ordinal).ToArray() : [];
                    return chips.Length == 0
                        ? $"{device} does not exist and this machine has no GPIO chips: this is not a Raspberry Pi (or its GPIO driver is not loaded). On a desktop set Gpio:Driver to simulated."
                        : $"{device} does not exist; this machine has {string.Join(", ", chips)}. Set Gpio:Chip to the header's chip ('gpiodetect' lists them; pinctrl-rp1 on a Pi 5, pinctrl-bcm2711 on a Pi 4).";
                }
                if (!CanWrite(device))
                    return $"permission denied on {device}; add the user to the 'gpio' group: sudo usermod -aG gpio {Environment.UserName} (then log in again). The systemd unit gives the service SupplementaryGroups=gpio.";
                if (options.Driver == GpioDriverKind.Libgpiod && GpioBoard.Detect().Library == LibgpiodVersion.None)
                    return "Gpio:Driver is libgpiod but the libgpiod library is not installed; run: sudo apt install libgpiod2";
                return null;
        }
    }

    private static bool CanWrite(string path)
    {
        try
        {
            using FileStream stream = new(path, FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            // Opening a sysfs control file for reading and writing can fail for reasons other than permission.
            return true;
        }
    }
}
