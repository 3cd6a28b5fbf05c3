using System.Device.Gpio;

namespace EdgeCnn.Device.Outputs;

/// <summary>An LED or active buzzer on one GPIO pin, steady or blinking, active-high or active-low.</summary>
public sealed class GpioOutput : IDeviceOutput
{
    private readonly GpioController _controller;
    private readonly OutputOptions _options;
    private readonly PinValue _onLevel;
    private readonly PinValue _offLevel;
    private OutputPattern _pattern;
    private bool _disposed;

    /// <summary>Opens the pin as an output, off. The controller belongs to the caller and is not disposed here.</summary>
    public GpioOutput(GpioController controller, OutputOptions options)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Type == OutputType.PassiveBuzzer) throw new ArgumentException($"output '{options.Name}': a passive buzzer needs a PWM channel; use PwmToneOutput.");
        _controller = controller;
        _options = options;
        _onLevel = options.ActiveLow ? PinValue.Low : PinValue.High;
        _offLevel = options.ActiveLow ? PinValue.High : PinValue.Low;
        _pattern = new OutputPattern(options);
        controller.OpenPin(options.Pin, PinMode.Output, _offLevel);
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <inheritdoc />
    public bool IsOn { get; private set; }

    /// <inheritdoc />
    public void Activate(DateTimeOffset now)
    {
        _pattern.Activate(now);
        Apply(_pattern.ShouldBeOn(now));
    }

    /// <inheritdoc />
    public void Deactivate()
    {
        _pattern.Deactivate();
        Apply(false);
    }

    /// <inheritdoc />
    public void Tick(DateTimeOffset now)
    {
        if (_pattern.Active) Apply(_pattern.ShouldBeOn(now));
    }

    // Only transitions reach the pin: a frame loop ticks far more often than a pattern changes.
    private void Apply(bool on)
    {
        if (on == IsOn) return;
        _controller.Write(_options.Pin, on ? _onLevel : _offLevel);
        IsOn = on;
    }

    /// <summary>Switches the output off and releases the pin.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _controller.Write(_options.Pin, _offLevel);
        IsOn = false;
        _controller.ClosePin(_options.Pin);
    }
}
