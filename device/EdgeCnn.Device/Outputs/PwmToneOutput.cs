using System.Device.Pwm;
using EdgeCnn.Device.Configuration;
using Iot.Device.Buzzer;

namespace EdgeCnn.Device.Outputs;

/// <summary>
/// A passive buzzer: dotnet/iot's <see cref="Buzzer"/> over the PWM channel it is given, its tone
/// (<see cref="OutputOptions.FrequencyHz"/>) steady or in beeps (<see cref="OutputOptions.OnMilliseconds"/>).
/// </summary>
public sealed class PwmToneOutput : PatternedOutput
{
    private readonly PwmChannel _channel;
    private readonly Buzzer _buzzer;
    private readonly double _frequency;
    private readonly bool _shouldDispose;

    /// <summary>Prepares the tone, silent. With <paramref name="shouldDispose"/> the channel is disposed with this output.</summary>
    public PwmToneOutput(PwmChannel channel, OutputOptions options, bool shouldDispose = true) : base(options)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
        _shouldDispose = shouldDispose;
        _frequency = options.FrequencyHz;
        _channel.Frequency = options.FrequencyHz; // set before the first start, as the kernel's PWM wants its period first
        _channel.DutyCycle = 0.5; // a square wave, the loudest tone a piezo gives (the binding leaves the duty as it finds it)
        _buzzer = new Buzzer(channel);
        _buzzer.StopPlaying();
    }

    /// <inheritdoc />
    protected override void Switch(bool on)
    {
        if (on) _buzzer.StartPlaying(_frequency);
        else _buzzer.StopPlaying();
    }

    /// <inheritdoc />
    protected override void Release()
    {
        // The buzzer disposes the channel it plays on; a channel the caller keeps is only silenced.
        _buzzer.StopPlaying();
        if (_shouldDispose) _buzzer.Dispose();
    }
}
