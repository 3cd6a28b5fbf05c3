using System.Device.Gpio;
using System.Threading.Channels;
using EdgeCnn.Device.Arming;
using Iot.Device.Button;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Inputs;

/// <summary>
/// A push button that snoozes, arms or disarms the device (dotnet/iot's debounced <see cref="GpioButton"/> over the
/// controller it is given): a press does <see cref="ButtonOptions.Press"/>, holding it does <see cref="ButtonOptions.Hold"/>
/// once, and the release that ends a hold is not also a press. Debouncing is the binding's: a press counts when the
/// contact opens, and it ignores what the contact does for <see cref="ButtonOptions.DebounceMilliseconds"/> after.
/// Gestures are acted on in order by one worker, never on the thread that delivers pin events.
/// </summary>
public sealed partial class ArmingButton : IDisposable
{
    private const string By = "the button";
    private readonly GpioButton _button;
    private readonly ButtonOptions _options;
    private readonly ArmSwitch _arming;
    private readonly ILogger _logger;
    private volatile bool _holding;

    // The binding measures its debounce window from the release on the thread that delivers pin events, and the
    // contact's chatter waits behind our handler there: a handler that wrote arming.json and announced the change
    // itself (tens of milliseconds on an SD card, more on first use) would let the chatter through as new presses.
    private readonly Channel<(ButtonAction Action, string Gesture)> _gestures =
        Channel.CreateUnbounded<(ButtonAction, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;

    /// <summary>Opens the button's pin on <paramref name="controller"/> (which the caller keeps).</summary>
    public ArmingButton(ButtonOptions options, GpioController controller, ArmSwitch arming, ILogger<ArmingButton> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _arming = arming;
        _logger = logger;
        _button = new GpioButton(options.Pin, TimeSpan.FromTicks(15_000_000), TimeSpan.FromSeconds(options.HoldSeconds), options.PullUp,
            hasExternalResistor: false, controller, shouldDispose: false, TimeSpan.FromMilliseconds(options.DebounceMilliseconds))
        {
            IsHoldingEnabled = options.Hold != ButtonAction.None,
        };
        _button.Press += OnPress;
        _button.Holding += OnHolding;
        _worker = Task.Run(ActOnGesturesAsync);
    }

    /// <summary>Presses seen (holds not counted).</summary>
    public long Presses => Interlocked.Read(ref _presses);

    private long _presses;

    private void OnPress(object? sender, EventArgs e)
    {
        // The binding reports the release that ends a hold as a press as well.
        if (_holding) return;
        Interlocked.Increment(ref _presses);
        _gestures.Writer.TryWrite((_options.Press, "press"));
    }

    private void OnHolding(object? sender, ButtonHoldingEventArgs e)
    {
        if (e.HoldingState == ButtonHoldingState.Started)
        {
            _holding = true;
            _gestures.Writer.TryWrite((_options.Hold, "hold"));
        }
        else
        {
            _holding = false;
        }
    }

    private async Task ActOnGesturesAsync()
    {
        await foreach ((ButtonAction action, string gesture) in _gestures.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Do(action, gesture);
            }
            catch (Exception e)
            {
                // The button stays in service for the next gesture; the arm switch keeps what it could.
                LogGestureFailed(e, gesture, _options.Pin);
            }
        }
    }

    private void Do(ButtonAction action, string gesture)
    {
        LogGesture(gesture, _options.Pin, action.ToString());
        switch (action)
        {
            case ButtonAction.Snooze: _arming.Snooze(null, By); break;
            case ButtonAction.ToggleArm: _arming.Toggle(By); break;
            case ButtonAction.Arm: _arming.Arm(By); break;
            case ButtonAction.Disarm: _arming.Disarm(By); break;
        }
    }

    /// <summary>Releases the pin.</summary>
    public void Dispose()
    {
        _button.Press -= OnPress;
        _button.Holding -= OnHolding;
        _button.Dispose();
        // Gestures already seen are acted on before the arm switch (which the caller disposes after) goes away.
        _gestures.Writer.TryComplete();
        _worker.Wait(TimeSpan.FromSeconds(5));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "button {Gesture} (GPIO {Pin}): {Action}")]
    private partial void LogGesture(string gesture, int pin, string action);

    [LoggerMessage(Level = LogLevel.Error, Message = "button {Gesture} (GPIO {Pin}) failed")]
    private partial void LogGestureFailed(Exception exception, string gesture, int pin);
}
