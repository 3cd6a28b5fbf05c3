using System.Device.Pwm;
using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Outputs;

/// <summary>
/// A passive buzzer: a square-wave tone on a PWM channel, steady or in beeps. (Iot.Device.Bindings' Buzzer does
/// the same over PwmChannel; that package is not available here, and these few lines are all it takes.)
/// </summary>
public sealed class PwmToneOutput : PatternedOutput
{
    private readonly PwmChannel _channel;
    private readonly bool _shouldDispose;

    /// <summary>Prepares the tone, silent. With <paramref name="shouldDispose"/> the channel is disposed with this output.</summary>
    public PwmToneOutput(PwmChannel channel, OutputOptions options, bool shouldDispose = true) : base(options)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
        _shouldDispose = shouldDispose;
        _channel.Stop();
        _channel.Frequency = options.FrequencyHz;
        _channel.DutyCycle = 0.5; // a square wave: the loudest tone a piezo gives
    }

    /// <inheritdoc />
    protected override void Switch(bool on)
    {
        if (on) _channel.Start();
        else _channel.Stop();
    }

    /// <inheritdoc />
    protected override void Release()
    {
        if (_shouldDispose) _channel.Dispose();
    }
}
