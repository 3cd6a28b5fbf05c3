using System.Device.Gpio;
using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Outputs;

/// <summary>An LED or active buzzer on one GPIO pin, steady or blinking, active-high or active-low.</summary>
public sealed class GpioOutput : PatternedOutput
{
    private readonly GpioController _controller;
    private readonly PinValue _onLevel;
    private readonly PinValue _offLevel;

    /// <summary>Opens the pin as an output, off. The controller belongs to the caller and is not disposed here.</summary>
    public GpioOutput(GpioController controller, OutputOptions options) : base(options)
    {
        ArgumentNullException.ThrowIfNull(controller);
        if (!options.Wiring.UsesGpioController) throw new ArgumentException($"output '{options.Name}': a passive buzzer needs a PWM channel; use PwmToneOutput.");
        _controller = controller;
        _onLevel = options.ActiveLow ? PinValue.Low : PinValue.High;
        _offLevel = options.ActiveLow ? PinValue.High : PinValue.Low;
        controller.OpenPin(options.Pin, PinMode.Output, _offLevel);
    }

    /// <inheritdoc />
    protected override void Switch(bool on) => _controller.Write(Options.Pin, on ? _onLevel : _offLevel);

    /// <inheritdoc />
    protected override void Release() => _controller.ClosePin(Options.Pin);
}
