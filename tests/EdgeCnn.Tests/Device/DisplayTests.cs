using EdgeCnn.Device.Display;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// The 16x2 display through dotnet/iot's Lcd1602 and Pcf8574 over a fake I2C device that decodes what the driver
/// sends into the characters the LCD shows: the test reads the picture.
/// </summary>
public sealed class DisplayTests
{
    [Fact]
    public void The_display_shows_the_armed_mode_the_top_class_and_the_last_event_then_the_address()
    {
        var lcd = new FakeCharacterLcd();
        using var display = new CharacterDisplay(lcd);

        (string first, string second) = GlanceText.Lines("armed", "bird", 0.934f, ("bird-led", TimeSpan.FromSeconds(12)), "192.168.1.23", page: 0);
        display.Show(first, second);
        Assert.Equal(["ARMED bird   93%", "bird-led     12s"], lcd.Lines);
        Assert.True(lcd.Backlight);

        (first, second) = GlanceText.Lines("snoozed", "background (nothing)", 0.991f, ("bird-led", TimeSpan.FromMinutes(7)), "192.168.1.23", page: 1);
        display.Show(first, second);
        Assert.Equal(["SNOOZE backg 99%", "192.168.1.23    "], lcd.Lines);
    }

    [Theory]
    [InlineData("disarmed", null, 0f, "OFF starting    ")]
    [InlineData("quiet-hours", "fox ünd", 0.5f, "QUIET fox ?n 50%")]
    public void Lines_are_sixteen_ascii_characters_whatever_they_say(string mode, string? top, float probability, string expected)
    {
        (string first, string second) = GlanceText.Lines(mode, top, probability, null, "no network", page: 0);

        Assert.Equal(expected, first);
        Assert.Equal("no network      ", second);
    }

    [Fact]
    public void An_unplugged_display_fails_with_an_IO_error_the_device_can_log_and_retry()
    {
        var lcd = new FakeCharacterLcd { Unplugged = true };

        Assert.Throws<IOException>(() => new CharacterDisplay(lcd));

        lcd.Unplugged = false;
        using var display = new CharacterDisplay(lcd);
        display.Show("ARMED           ", "10.0.0.2        ");
        Assert.Equal("10.0.0.2        ", lcd.Lines[1]);
    }
}
