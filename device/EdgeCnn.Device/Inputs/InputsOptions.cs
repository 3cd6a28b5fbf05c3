namespace EdgeCnn.Device.Inputs;

/// <summary>What a button does when pressed or held.</summary>
public enum ButtonAction
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Silence the outputs for <c>Arming:Snooze</c>.</summary>
    Snooze,

    /// <summary>Arm a disarmed device, disarm an armed one.</summary>
    ToggleArm,

    /// <summary>Arm.</summary>
    Arm,

    /// <summary>Disarm.</summary>
    Disarm,
}

/// <summary>A push button between a GPIO pin and ground (or 3.3 V with <see cref="PullUp"/> false).</summary>
public sealed class ButtonOptions
{
    /// <summary>GPIO line (BCM numbering); -1 for no button.</summary>
    public int Pin { get; set; } = -1;

    /// <summary>True (the usual wiring: pin to ground through the button) uses the pin's pull-up and reads pressed as low.</summary>
    public bool PullUp { get; set; } = true;

    /// <summary>What a short press does.</summary>
    public ButtonAction Press { get; set; } = ButtonAction.Snooze;

    /// <summary>What holding it for <see cref="HoldSeconds"/> does.</summary>
    public ButtonAction Hold { get; set; } = ButtonAction.ToggleArm;

    /// <summary>How long a press must last to count as holding.</summary>
    public double HoldSeconds { get; set; } = 2;

    /// <summary>Level changes closer together than this are contact bounce, not presses.</summary>
    public int DebounceMilliseconds { get; set; } = 50;
}

/// <summary>A PIR motion sensor (HC-SR501) whose output goes high while it sees motion.</summary>
public sealed class MotionSensorOptions
{
    /// <summary>GPIO line (BCM numbering) of the sensor's OUT; -1 for none.</summary>
    public int Pin { get; set; } = -1;

    /// <summary>After the sensor's last motion, classify at full rate for this long.</summary>
    public double AwakeSeconds { get; set; } = 30;

    /// <summary>Frames classified per second while the sensor sees nothing (the rest are not classified).</summary>
    public double IdleFramesPerSecond { get; set; } = 1;
}

/// <summary>Inputs wired to the device (section <c>Inputs</c>): a button and a PIR motion sensor, each optional.</summary>
public sealed class InputsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inputs";

    /// <summary>The button.</summary>
    public ButtonOptions Button { get; set; } = new();

    /// <summary>The PIR sensor.</summary>
    public MotionSensorOptions MotionSensor { get; set; } = new();

    /// <summary>Checks the values; errors name the key and say how to fix it.</summary>
    public void Validate()
    {
        string button = $"{Section}:Button", motion = $"{Section}:MotionSensor";
        if (Button.Pin is < -1 or > 63) throw new ArgumentException($"{button}:Pin is {Button.Pin}; give the GPIO line number (BCM), e.g. 22, or -1 for no button.");
        if (Button.HoldSeconds is < 0.3 or > 30) throw new ArgumentException($"{button}:HoldSeconds is {Button.HoldSeconds}; use 0.3 to 30 seconds.");
        if (Button.DebounceMilliseconds is < 0 or > 1000) throw new ArgumentException($"{button}:DebounceMilliseconds is {Button.DebounceMilliseconds}; use 0 to 1000 (50 suits most buttons).");
        if (MotionSensor.Pin is < -1 or > 63) throw new ArgumentException($"{motion}:Pin is {MotionSensor.Pin}; give the GPIO line number (BCM) of the sensor's OUT, e.g. 23, or -1 for none.");
        if (MotionSensor.AwakeSeconds is < 0 or > 3600) throw new ArgumentException($"{motion}:AwakeSeconds is {MotionSensor.AwakeSeconds}; use 0 to 3600.");
        if (MotionSensor.IdleFramesPerSecond is <= 0 or > 100) throw new ArgumentException($"{motion}:IdleFramesPerSecond is {MotionSensor.IdleFramesPerSecond}; use more than 0 (0.2 is one frame in 5 s) and at most 100.");
        if (Button.Pin >= 0 && Button.Pin == MotionSensor.Pin) throw new ArgumentException($"{motion}:Pin is {MotionSensor.Pin}, the button's pin too; wire them to different pins.");
    }
}
