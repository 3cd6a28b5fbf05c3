using System.Device.Gpio;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Outputs;

namespace EdgeCnn.Tests.Device;

public class OutputTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_led_is_on_while_active_and_off_after_release()
    {
        var chip = new FakeGpioDriver();
        using var controller = new GpioController(chip);
        using (var led = new GpioOutput(controller, new OutputOptions { Name = "led", Pin = 17 }))
        {
            Assert.Equal(PinValue.Low, chip.Level(17));
            led.Activate(T0);
            Assert.Equal(PinValue.High, chip.Level(17));
            led.Tick(T0.AddSeconds(5));
            led.Deactivate();
            Assert.Equal(PinValue.Low, chip.Level(17));
        }
        // Off when opened, on, off at release, off again at dispose: nothing per tick.
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low, PinValue.Low], chip.Writes.Where(w => w.Pin == 17).Select(w => w.Value));
        Assert.DoesNotContain(17, chip.OpenPins);
    }

    [Fact]
    public void Active_low_outputs_are_inverted_and_left_off_when_disposed_while_active()
    {
        var chip = new FakeGpioDriver();
        using var controller = new GpioController(chip);
        var buzzer = new GpioOutput(controller, new OutputOptions { Name = "buzzer", Type = OutputType.ActiveBuzzer, Pin = 27, ActiveLow = true });
        Assert.Equal(PinValue.High, chip.Level(27));
        buzzer.Activate(T0);
        Assert.Equal(PinValue.Low, chip.Level(27));
        buzzer.Dispose(); // e.g. the service stopping while the rule is active
        Assert.Equal(PinValue.High, chip.Level(27));
        Assert.False(buzzer.IsOn);
    }

    [Fact]
    public void A_blink_pattern_follows_the_frame_timestamps()
    {
        var chip = new FakeGpioDriver();
        using var controller = new GpioController(chip);
        using var led = new GpioOutput(controller, new OutputOptions { Name = "blink", Pin = 22, OnMilliseconds = 200, OffMilliseconds = 300 });
        led.Activate(T0);
        var states = new List<bool>();
        foreach (int ms in new[] { 0, 100, 199, 200, 450, 499, 500, 650, 700 })
        {
            led.Tick(T0.AddMilliseconds(ms));
            states.Add(chip.Level(22) == PinValue.High);
        }
        Assert.Equal([true, true, true, false, false, false, true, true, false], states);
    }

    [Fact]
    public void A_passive_buzzer_plays_a_square_wave_tone_in_beeps_and_is_silent_after_dispose()
    {
        var pwm = new FakePwmChannel();
        var buzzer = new PwmToneOutput(pwm, new OutputOptions { Name = "tone", Type = OutputType.PassiveBuzzer, FrequencyHz = 2500, OnMilliseconds = 100, OffMilliseconds = 100 });
        Assert.False(pwm.Running);
        Assert.Equal(2500, pwm.Frequency);
        Assert.Equal(0.5, pwm.DutyCycle);

        buzzer.Activate(T0);
        Assert.True(pwm.Running);
        buzzer.Tick(T0.AddMilliseconds(150));
        Assert.False(pwm.Running);
        buzzer.Tick(T0.AddMilliseconds(250));
        Assert.True(pwm.Running);
        Assert.Equal(2, pwm.Starts);

        buzzer.Dispose();
        Assert.False(pwm.Running);
        Assert.True(pwm.Disposed);
    }

    [Theory]
    [InlineData("Pin", 99, 0, 0)]
    [InlineData("OffMilliseconds", 17, 200, 0)]
    public void Bad_output_options_name_the_key(string field, int pin, int on, int off)
    {
        var options = new OutputOptions { Name = "led", Pin = pin, OnMilliseconds = on, OffMilliseconds = off };
        var error = Assert.Throws<ArgumentException>(() => options.Validate("Outputs:0"));
        Assert.StartsWith($"Outputs:0:{field}", error.Message);
    }
}
