using System.Device.Pwm;

namespace EdgeCnn.Device.Outputs;

/// <summary>Opens a passive buzzer's PWM channel at <paramref name="frequencyHz"/>; the caller owns it.</summary>
public delegate PwmChannel PwmOpener(int chip, int channel, int frequencyHz);
