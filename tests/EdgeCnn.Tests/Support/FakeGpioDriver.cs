using System.Device.Gpio;

namespace EdgeCnn.Tests;

/// <summary>
/// A fake GPIO chip (the hardware boundary): records every write, so tests see exactly what the real
/// <see cref="GpioController"/> logic sends to the pins.
/// </summary>
internal sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, PinMode> _modes = [];

    public List<(int Pin, PinValue Value)> Writes { get; } = [];
    public HashSet<int> OpenPins { get; } = [];

    public PinValue Level(int pin) => _levels.GetValueOrDefault(pin, PinValue.Low);

    protected override int PinCount => 54;
    protected override void OpenPin(int pinNumber) => OpenPins.Add(pinNumber);
    protected override void ClosePin(int pinNumber) => OpenPins.Remove(pinNumber);
    protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;
    protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber, PinMode.Input);
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
    protected override PinValue Read(int pinNumber) => Level(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        _levels[pinNumber] = value;
        Writes.Add((pinNumber, value));
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the fake chip has no events");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        throw new NotSupportedException("the fake chip has no events");

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        throw new NotSupportedException("the fake chip has no events");
}
