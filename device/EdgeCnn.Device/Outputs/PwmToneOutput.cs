using System.Device.Pwm;

namespace EdgeCnn.Device.Outputs;

/// <summary>
/// A passive buzzer: a square-wave tone on a PWM channel, steady or in beeps. (Iot.Device.Bindings' Buzzer does
/// the same over PwmChannel; that package is not available here, and these few lines are all it takes.)
/// </summary>
public sealed class PwmToneOutput : IDeviceOutput
{
    private readonly PwmChannel _channel;
    private readonly bool _shouldDispose;
    private readonly OutputOptions _options;
    private OutputPattern _pattern;
    private bool _disposed;

    /// <summary>Prepares the tone, silent. With <paramref name="shouldDispose"/> the channel is disposed with this output.</summary>
    public PwmToneOutput(PwmChannel channel, OutputOptions options, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(options);
        _channel = channel;
        _shouldDispose = shouldDispose;
        _options = options;
        _pattern = new OutputPattern(options);
        _channel.Stop();
        _channel.Frequency = options.FrequencyHz;
        _channel.DutyCycle = 0.5; // a square wave: the loudest tone a piezo gives
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

    private void Apply(bool on)
    {
        if (on == IsOn) return;
        if (on) _channel.Start();
        else _channel.Stop();
        IsOn = on;
    }

    /// <summary>Silences the buzzer and, if it owns it, releases the channel.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _channel.Stop();
        IsOn = false;
        if (_shouldDispose) _channel.Dispose();
    }
}
