using System.Device.Gpio;
using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Outputs;

/// <summary>
/// Opens an output of any wiring, off: the one place that turns an <see cref="OutputWiring"/> into a driver. A new wiring
/// of on/off output is an OutputWiring in Configuration/ and a line here; a consumer of rule events that is not an on/off
/// output (a display, a notifier) subscribes to the RuleEventBus instead (docs/architecture.md).
/// </summary>
public static class OutputFactory
{
    /// <summary>Opens <paramref name="output"/> on <paramref name="controller"/> or on a PWM channel from <paramref name="openPwm"/>.</summary>
    public static IDeviceOutput Open(OutputOptions output, GpioController? controller, PwmOpener openPwm)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Wiring switch
        {
            PwmToneWiring => new PwmToneOutput(openPwm(output.PwmChip, output.PwmChannel, output.FrequencyHz), output),
            GpioLineWiring => new GpioOutput(controller ?? throw new ArgumentNullException(nameof(controller)), output),
            _ => throw new NotSupportedException($"output '{output.Name}': no driver for {output.Wiring.GetType().Name}."),
        };
    }
}
