namespace EdgeCnn.Device.Display;

/// <summary>Which display is attached.</summary>
public enum DisplayType
{
    /// <summary>None.</summary>
    None,

    /// <summary>A 16x2 character LCD (HD44780) behind a PCF8574 I2C backpack, the common blue or green one.</summary>
    Lcd1602,
}

/// <summary>A small display that shows the device's state at a glance (section <c>Display</c>).</summary>
public sealed class DisplayOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Display";

    /// <summary>The display; <c>None</c> for none.</summary>
    public DisplayType Type { get; set; } = DisplayType.None;

    /// <summary>The I2C bus: 1 is the 40-pin header's SDA (GPIO 2) and SCL (GPIO 3) on every Pi.</summary>
    public int Bus { get; set; } = 1;

    /// <summary>The backpack's I2C address: 0x27 (39) for most, 0x3F (63) for some; <c>i2cdetect -y 1</c> shows it.</summary>
    public int Address { get; set; } = 0x27;

    /// <summary>Time between updates; at least 500 ms (the loop never waits for the display).</summary>
    public int RefreshMilliseconds { get; set; } = 500;

    /// <summary>Checks the values; errors name the key and say how to fix it.</summary>
    public void Validate()
    {
        if (Type == DisplayType.None) return;
        if (Bus is < 0 or > 31) throw new ArgumentException($"{Section}:Bus is {Bus}; give the number of a /dev/i2c-N (1 on the 40-pin header).");
        if (Address is < 0x03 or > 0x77) throw new ArgumentException($"{Section}:Address is {Address}; give the 7-bit I2C address, e.g. 39 (0x27) or 63 (0x3F): i2cdetect -y {Bus} lists them.");
        if (RefreshMilliseconds is < 500 or > 60_000) throw new ArgumentException($"{Section}:RefreshMilliseconds is {RefreshMilliseconds}; use 500 to 60000 (at most two updates a second).");
    }
}
