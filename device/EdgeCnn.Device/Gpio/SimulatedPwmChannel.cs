using System.Device.Pwm;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Gpio;

/// <summary>The PWM channel of the <c>simulated</c> driver: logs when the tone starts and stops.</summary>
public sealed partial class SimulatedPwmChannel(int chip, int channel, ILogger<SimulatedPwmChannel> logger) : PwmChannel
{
    private bool _running;

    /// <inheritdoc />
    public override int Frequency { get; set; }

    /// <inheritdoc />
    public override double DutyCycle { get; set; }

    /// <inheritdoc />
    public override void Start()
    {
        if (_running) return;
        _running = true;
        LogTone(chip, channel, Frequency, "on");
    }

    /// <inheritdoc />
    public override void Stop()
    {
        if (!_running) return;
        _running = false;
        LogTone(chip, channel, Frequency, "off");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "simulated PWM {Chip}/{Channel} {FrequencyHz} Hz {State}")]
    private partial void LogTone(int chip, int channel, int frequencyHz, string state);
}
