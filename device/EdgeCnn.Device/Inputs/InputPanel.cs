using System.Device.Gpio;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Loop;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Inputs;

/// <summary>
/// The inputs of section <c>Inputs</c>, opened at start over their own GPIO controller (the outputs keep theirs) and
/// released at stop: the button that snoozes, arms and disarms, and the PIR sensor that wakes the frame loop.
/// </summary>
public sealed partial class InputPanel(
    IOptions<InputsOptions> options,
    Func<GpioController> openController,
    ArmSwitch arming,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<InputPanel>();
    private GpioController? _controller;

    /// <summary>The button, when one is configured and started.</summary>
    public ArmingButton? Button { get; private set; }

    /// <summary>The PIR sensor, when one is configured and started; the frame loop's throttle.</summary>
    public MotionWake? Motion { get; private set; }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        InputsOptions inputs = options.Value;
        if (inputs.Button.Pin < 0 && inputs.MotionSensor.Pin < 0) return Task.CompletedTask;
        _controller = openController();
        try
        {
            if (inputs.Button.Pin >= 0)
            {
                Button = Open($"{InputsOptions.Section}:Button:Pin", inputs.Button.Pin,
                    () => new ArmingButton(inputs.Button, _controller, arming, loggerFactory.CreateLogger<ArmingButton>()));
                LogButton(inputs.Button.Pin, inputs.Button.Press.ToString(), inputs.Button.Hold.ToString(), inputs.Button.HoldSeconds);
            }
            if (inputs.MotionSensor.Pin >= 0)
            {
                Motion = Open($"{InputsOptions.Section}:MotionSensor:Pin", inputs.MotionSensor.Pin,
                    () => new MotionWake(inputs.MotionSensor, _controller, clock, loggerFactory.CreateLogger<MotionWake>()));
                LogMotion(inputs.MotionSensor.Pin, inputs.MotionSensor.AwakeSeconds, inputs.MotionSensor.IdleFramesPerSecond);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        return Task.CompletedTask;
    }

    private static T Open<T>(string key, int pin, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is not InvalidOperationException and not OutOfMemoryException)
        {
            throw new InvalidOperationException($"{key}: GPIO {pin} cannot be opened as an input ({e.Message}); check the pin and that no other program holds it (gpioinfo).", e);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Releases the pins and the controller.</summary>
    public void Dispose()
    {
        Button?.Dispose();
        Button = null;
        Motion?.Dispose();
        Motion = null;
        _controller?.Dispose();
        _controller = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "button on GPIO {Pin}: press {Press}, hold {Hold} ({HoldSeconds} s)")]
    private partial void LogButton(int pin, string press, string hold, double holdSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "motion sensor on GPIO {Pin}: full rate while it sees motion and {AwakeSeconds} s after, {IdleRate} frames/s otherwise")]
    private partial void LogMotion(int pin, double awakeSeconds, double idleRate);
}
