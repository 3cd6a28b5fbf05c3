using System.Device.Gpio.Drivers;
using System.Device.Gpio;
using System.Device.Pwm;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Outputs;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Gpio;

/// <summary>
/// Opens the configured GPIO driver and PWM channels, says which one at start, and turns failures into messages
/// that name the chip, the pin or the group to fix.
/// </summary>
public sealed partial class GpioHardware(GpioOptions options, ILoggerFactory loggerFactory, string root = "/")
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<GpioHardware>();

    /// <summary>Opens <paramref name="outputs"/>, off, over the configured driver; the bank owns what it opened.</summary>
    public OutputBank OpenOutputs(IReadOnlyList<OutputOptions> outputs, IReadOnlyList<RuleOptions> rules)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        OutputList.Validate(outputs, rules);
        GpioController? controller = outputs.Any(o => o.Wiring.UsesGpioController) ? OpenController() : null;
        try
        {
            return new OutputBank(outputs, rules, controller, OpenPwm);
        }
        catch
        {
            controller?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a controller over the configured driver. The caller owns and disposes it. For <c>auto</c> and
    /// <c>libgpiod</c>, the driver follows the libgpiod installed (v1 or v2) and the chip is the 40-pin header's, found
    /// by its label, unless <c>Gpio:Chip</c> names one (see <see cref="GpioBoard"/>).
    /// </summary>
    public GpioController OpenController()
    {
        GpioBoard board = GpioBoard.Detect(root);
        (int chip, string chipWhy) = board.ChooseChip(options.Chip);
        try
        {
            (GpioController controller, string why) = options.Driver switch
            {
                GpioDriverKind.Simulated => (new GpioController(new SimulatedGpioDriver(loggerFactory.CreateLogger<SimulatedGpioDriver>())), "no hardware: level changes are logged"),
                GpioDriverKind.Sysfs => (new GpioController(new SysFsDriver()), "the kernel's legacy sysfs interface"),
                GpioDriverKind.Libgpiod or GpioDriverKind.Auto when board.Library != LibgpiodVersion.None => (Libgpiod(board.Library, chip), $"{board.Model ?? "this board"}; {board.LibraryWhy}; chip {chipWhy}"),
                GpioDriverKind.Libgpiod => throw new ConfigurationException($"Gpio:Driver is libgpiod but {board.LibraryWhy}."),
                _ => (new GpioController(), $"System.Device.Gpio's own choice: {board.LibraryWhy}"),
            };
            LogDriver(options.Driver.ToString().ToLowerInvariant(), Describe(controller), why);
            return controller;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ConfigurationException)
        {
            string driver = options.Driver.ToString().ToLowerInvariant();
            // A chip that does not exist or a group the user lacks will not pass by restarting; anything else may (busy at boot).
            if (GpioAccess.Diagnose(options, chip) is string problem) throw new ConfigurationException($"GPIO ({driver} driver) cannot be opened: {problem}", e);
            throw new InvalidOperationException($"GPIO ({driver} driver) cannot be opened: {e.Message}", e);
        }
    }

    // The driver for the libgpiod that is installed: System.Device.Gpio's v1 driver fails where only v2 is (a Pi 5 on
    // Raspberry Pi OS since 2026, Debian 13).
    private static GpioController Libgpiod(LibgpiodVersion version, int chip) =>
        version == LibgpiodVersion.V2 ? new GpioController(new LibGpiodV2Driver(chip)) : new GpioController(new LibGpiodDriver(chip));

    /// <summary>Opens a PWM channel for a passive buzzer (simulated when the GPIO driver is).</summary>
    public PwmChannel OpenPwm(int chip, int channel, int frequencyHz)
    {
        if (options.Driver == GpioDriverKind.Simulated)
            return new SimulatedPwmChannel(chip, channel, loggerFactory.CreateLogger<SimulatedPwmChannel>()) { Frequency = frequencyHz, DutyCycle = 0.5 };
        try
        {
            return PwmChannel.Create(chip, channel, frequencyHz, 0.5);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Without the overlay the chip does not exist, which no restart fixes; a chip that exists but fails may be busy.
            Exception Problem(string message) => Directory.Exists($"/sys/class/pwm/pwmchip{chip}") ? new InvalidOperationException(message, e) : new ConfigurationException(message, e);
            throw Problem(
                $"PWM chip {chip} channel {channel} cannot be opened ({e.Message}). Enable it with 'dtoverlay=pwm' in /boot/firmware/config.txt " +
                $"(channel 0 is GPIO 18), reboot, and add the user to the 'gpio' group: sudo usermod -aG gpio {Environment.UserName}.");
        }
    }

    // The driver System.Device.Gpio chose (for auto) or was given, by its class name: RaspberryPi3Driver, LibGpiodDriver, ...
    private static string Describe(GpioController controller)
    {
        try
        {
            var drivers = controller.QueryComponentInformation().SubComponents.Select(c => c.Name[(c.Name.LastIndexOf('.') + 1)..]).ToList();
            return drivers.Count > 0 ? string.Join(", ", drivers) : controller.GetType().Name;
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
        {
            return controller.GetType().Name;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "GPIO driver {Driver} ({Implementation}): {Why}")]
    private partial void LogDriver(string driver, string implementation, string why);
}
