using System.Device.Gpio;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Gpio;

/// <summary>
/// The <c>simulated</c> GPIO driver: no hardware, every level change is logged. What a development machine uses,
/// chosen only by configuration (<c>Gpio:Driver</c>), never as a fallback. Inputs (a button, a motion sensor) can be
/// opened and watched; nothing ever changes their level.
/// </summary>
public sealed partial class SimulatedGpioDriver(ILogger<SimulatedGpioDriver> logger) : GpioDriver
{
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    protected override int PinCount => 64;

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber)
    {
        lock (_gate) _modes[pinNumber] = PinMode.Input;
    }

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            _modes.Remove(pinNumber);
            _levels.Remove(pinNumber);
        }
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate) _modes[pinNumber] = mode;
    }

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate) return _modes.GetValueOrDefault(pinNumber, PinMode.Input);
    }

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber)
    {
        lock (_gate) return _levels.GetValueOrDefault(pinNumber, PinValue.Low);
    }

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            if (_levels.TryGetValue(pinNumber, out PinValue old) && old == value) return;
            _levels[pinNumber] = value;
        }
        LogLevelChange(pinNumber, value == PinValue.High ? "high" : "low");
    }

    /// <inheritdoc />
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        cancellationToken.WaitHandle.WaitOne(); // no simulated input ever changes
        return new WaitForEventResult { TimedOut = true };
    }

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        // Watched, never fired: a simulated input keeps its level.
    }

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "simulated GPIO {Pin} {Level}")]
    private partial void LogLevelChange(int pin, string level);
}
