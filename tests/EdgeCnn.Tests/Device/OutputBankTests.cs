using System.Device.Gpio;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Device.Rules;

namespace EdgeCnn.Tests.Device;

/// <summary>The output bank over a fake GPIO chip and fake PWM channels: which rule switches what, and off is final.</summary>
public sealed class OutputBankTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly OutputOptions[] Outputs =
    [
        new() { Name = "led", Pin = 17 },
        new() { Name = "buzzer", Type = OutputType.ActiveBuzzer, Pin = 27 },
        new() { Name = "beeper", Type = OutputType.PassiveBuzzer, PwmChip = 0, PwmChannel = 1, FrequencyHz = 2000 },
    ];

    // Two rules share the LED; the second also sounds the buzzer and the beeper.
    private static readonly RuleOptions[] Rules =
    [
        new() { Name = "cat", Class = "cat", Outputs = ["led"] },
        new() { Name = "dog", Class = "dog", Outputs = ["led", "buzzer", "beeper"] },
    ];

    private sealed class Bench : IDisposable
    {
        public FakeGpioDriver Chip { get; } = new();
        public List<FakePwmChannel> Pwm { get; } = [];
        public GpioController Controller { get; }
        public OutputBank Bank { get; }

        public Bench()
        {
            Controller = new GpioController(Chip);
            Bank = new OutputBank(Outputs, Rules, Controller, (chip, channel, frequency) =>
            {
                var pwm = new FakePwmChannel { Frequency = frequency, DutyCycle = 0.5 };
                Pwm.Add(pwm);
                return pwm;
            });
        }

        public bool Led => Chip.Level(17) == PinValue.High;

        public void Dispose() => Bank.Dispose();
    }

    private static RuleEvent Trigger(int rule) => new(rule, RuleEventKind.Trigger, 0.9f, 1, T0);

    private static RuleEvent Release(int rule) => new(rule, RuleEventKind.Release, 0.1f, 2, T0.AddSeconds(1));

    [Fact]
    public void A_shared_output_is_on_while_any_of_its_rules_is_active()
    {
        using var bench = new Bench();
        Assert.False(bench.Led);
        bench.Bank.Apply(Trigger(0));
        bench.Bank.Apply(Trigger(1));
        Assert.True(bench.Led);
        Assert.True(bench.Pwm.Single().Running);
        bench.Bank.Apply(Release(0));
        Assert.True(bench.Led); // the dog rule still holds it
        bench.Bank.Apply(Release(1));
        Assert.False(bench.Led);
        Assert.Equal(PinValue.Low, bench.Chip.Level(27));
        Assert.False(bench.Pwm.Single().Running);
    }

    [Fact]
    public void Switching_all_off_twice_is_harmless_and_events_after_it_switch_nothing_on()
    {
        using var bench = new Bench();
        bench.Bank.Apply(Trigger(1));
        Assert.True(bench.Led);

        bench.Bank.SwitchAllOff();
        bench.Bank.SwitchAllOff(); // the loop's exit path, the host's stop and the crash handler may all call it
        Assert.False(bench.Led);
        Assert.Equal(PinValue.Low, bench.Chip.Level(27));
        Assert.True(bench.Pwm.Single().Disposed);
        Assert.Empty(bench.Chip.OpenPins);
        int writes = bench.Chip.Writes.Count;

        bench.Bank.Apply(Trigger(0));
        bench.Bank.Tick(T0.AddSeconds(2));
        Assert.Equal(writes, bench.Chip.Writes.Count);
        Assert.False(bench.Pwm.Single().Running);
    }

    [Fact]
    public void The_outputs_are_described_once_for_off_and_check()
    {
        Assert.Equal("led (GPIO 17), buzzer (GPIO 27), beeper (PWM 0/1)", OutputBank.Describe(Outputs));
    }
}
