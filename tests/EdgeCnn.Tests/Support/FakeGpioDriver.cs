using System.Device.Gpio;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// A fake GPIO chip (the hardware boundary): records every write, so tests see exactly what the real
/// <see cref="GpioController"/> logic sends to the pins, and lets a test drive an input's level (<see cref="Drive"/>),
/// which calls back whoever watches that pin, as the kernel's line events do.
/// </summary>
internal sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly List<(int Pin, PinEventTypes Types, PinChangeEventHandler Callback)> _watchers = [];

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

    /// <summary>Sets an input's level, as the wired button or sensor would, and calls back the pin's watchers on a change.</summary>
    public void Drive(int pin, PinValue value)
    {
        PinValue old = Level(pin);
        _levels[pin] = value;
        if (old == value) return;
        PinEventTypes change = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach ((int watched, PinEventTypes types, PinChangeEventHandler callback) in _watchers.ToArray())
            if (watched == pin && (types & change) != 0) callback(this, new PinValueChangedEventArgs(change, pin));
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the fake chip calls back instead");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        _watchers.Add((pinNumber, eventTypes, callback));

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        _watchers.RemoveAll(w => w.Pin == pinNumber && w.Callback == callback);
}
