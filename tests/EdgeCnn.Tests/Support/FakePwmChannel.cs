using System.Device.Pwm;

namespace EdgeCnn.Tests.Support;

/// <summary>A fake PWM channel (the hardware boundary) that remembers its settings and whether it is running.</summary>
internal sealed class FakePwmChannel : PwmChannel
{
    public override int Frequency { get; set; }
    public override double DutyCycle { get; set; }
    public bool Running { get; private set; }
    public int Starts { get; private set; }
    public bool Disposed { get; private set; }

    public override void Start()
    {
        Running = true;
        Starts++;
    }

    public override void Stop() => Running = false;

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
