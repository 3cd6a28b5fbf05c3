using System.Device.Gpio;
using EdgeCnn.Device.Loop;
using Iot.Device.Hcsr501;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Inputs;

/// <summary>
/// A PIR sensor (dotnet/iot's <see cref="Hcsr501"/> over the controller it is given) that keeps the frame loop at full
/// rate while it sees motion and for <see cref="MotionSensorOptions.AwakeSeconds"/> after, and at
/// <see cref="MotionSensorOptions.IdleFramesPerSecond"/> otherwise.
/// </summary>
public sealed partial class MotionWake : IFrameThrottle, IDisposable
{
    private readonly Hcsr501 _sensor;
    private readonly MotionSensorOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private long _lastMotionTicks = long.MinValue;
    private volatile bool _seeing;

    /// <summary>Opens the sensor's pin on <paramref name="controller"/> (which the caller keeps).</summary>
    public MotionWake(MotionSensorOptions options, GpioController controller, TimeProvider clock, ILogger<MotionWake> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _clock = clock;
        _logger = logger;
        IdleInterval = TimeSpan.FromSeconds(1 / options.IdleFramesPerSecond);
        _sensor = new Hcsr501(options.Pin, controller, shouldDispose: false);
        _sensor.Hcsr501ValueChanged += OnChanged;
        _seeing = _sensor.IsMotionDetected;
        // Awake from the start: the first frames, and whatever is in front of the camera when it starts, are classified.
        Interlocked.Exchange(ref _lastMotionTicks, clock.GetUtcNow().UtcTicks);
    }

    /// <inheritdoc />
    public TimeSpan IdleInterval { get; }

    /// <summary>Times the sensor started seeing motion.</summary>
    public long Motions { get; private set; }

    /// <inheritdoc />
    public bool IsAwake
    {
        get
        {
            if (_seeing) return true;
            long since = _clock.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastMotionTicks);
            return since < TimeSpan.FromSeconds(_options.AwakeSeconds).Ticks;
        }
    }

    private void OnChanged(object sender, Hcsr501ValueChangedEventArgs e)
    {
        // Both edges count: motion ends now, so the awake time runs from the falling edge.
        Interlocked.Exchange(ref _lastMotionTicks, _clock.GetUtcNow().UtcTicks);
        _seeing = e.PinValue == PinValue.High;
        if (_seeing)
        {
            Motions++;
            LogMotion(_options.Pin);
        }
    }

    /// <summary>Releases the pin.</summary>
    public void Dispose()
    {
        _sensor.Hcsr501ValueChanged -= OnChanged;
        _sensor.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "motion sensor (GPIO {Pin}): motion")]
    private partial void LogMotion(int pin);
}
