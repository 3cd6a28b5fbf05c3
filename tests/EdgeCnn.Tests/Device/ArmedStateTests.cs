using System.Device.Gpio;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Device.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// The armed state as logic: quiet hours on the local wall clock (across midnight, and on the nights the clocks
/// change), the order of disarmed, snoozed and quiet, the state kept across a restart, and the outputs held off and
/// given back by the gate.
/// </summary>
public sealed class ArmedStateTests : IDisposable
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static DateTimeOffset Local(int year, int month, int day, int hour, int minute) =>
        TimeZoneInfo.ConvertTime(new DateTimeOffset(new DateTime(year, month, day, hour, minute, 0), Berlin.GetUtcOffset(new DateTime(year, month, day, hour, minute, 0))), TimeZoneInfo.Utc);

    [Theory]
    [InlineData(21, 59, false)]
    [InlineData(22, 0, true)]
    [InlineData(23, 30, true)]
    [InlineData(0, 0, true)]
    [InlineData(6, 59, true)]
    [InlineData(7, 0, false)]
    [InlineData(12, 0, false)]
    public void Quiet_hours_that_cross_midnight_cover_the_evening_and_the_morning(int hour, int minute, bool quiet)
    {
        QuietHours hours = QuietHours.Parse(["22:00-07:00"], "Arming:QuietHours");

        Assert.Equal(quiet, hours.Contains(Local(2026, 6, 10, hour, minute), Berlin));
    }

    [Fact]
    public void Quiet_hours_follow_the_wall_clock_on_the_nights_the_clocks_change()
    {
        QuietHours hours = QuietHours.Parse(["22:00-07:00"], "Arming:QuietHours");
        // Spring: 02:00 becomes 03:00 on 29 March 2026, so the night is 8 hours long; 06:59 local is still quiet.
        DateTimeOffset springEnd = Local(2026, 3, 29, 7, 0);
        Assert.True(hours.Contains(springEnd.AddMinutes(-1), Berlin));
        Assert.False(hours.Contains(springEnd, Berlin));
        Assert.Equal(TimeSpan.FromHours(8), springEnd - Local(2026, 3, 28, 22, 0));
        // Autumn: 03:00 becomes 02:00 on 25 October 2026, a 10-hour night, quiet all through the repeated hour.
        DateTimeOffset autumnEnd = Local(2026, 10, 25, 7, 0);
        Assert.Equal(TimeSpan.FromHours(10), autumnEnd - Local(2026, 10, 24, 22, 0));
        for (DateTimeOffset t = Local(2026, 10, 24, 22, 0); t < autumnEnd; t = t.AddMinutes(15)) Assert.True(hours.Contains(t, Berlin), $"{t:O}");
        Assert.False(hours.Contains(autumnEnd, Berlin));
    }

    [Theory]
    [InlineData("22:00-7", "Arming:QuietHours:0 is '22:00-7'; write a span of local time as HH:mm-HH:mm")]
    [InlineData("10:00-10:00", "starts where it ends")]
    [InlineData("25:00-07:00", "Arming:QuietHours:0 is '25:00-07:00'")]
    public void A_bad_span_names_its_key_and_how_to_write_one(string span, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new ArmingOptions { QuietHours = [span] }.Validate());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Disarmed_outranks_snoozed_which_outranks_quiet_hours_and_a_snooze_runs_out()
    {
        QuietHours hours = QuietHours.Parse(["22:00-07:00"], "q");
        DateTimeOffset night = Local(2026, 6, 10, 23, 0), day = Local(2026, 6, 10, 12, 0);
        var snoozed = new ArmingState(true, day.AddMinutes(10), "the button", day);

        Assert.Equal(ArmedMode.Armed, new ArmingState(true, null, "s", day).ModeAt(day, hours, Berlin));
        Assert.Equal(ArmedMode.QuietHours, new ArmingState(true, null, "s", day).ModeAt(night, hours, Berlin));
        Assert.Equal(ArmedMode.Disarmed, (snoozed with { Armed = false }).ModeAt(day, hours, Berlin));
        Assert.Equal(ArmedMode.Snoozed, snoozed.ModeAt(day.AddMinutes(9), hours, Berlin));
        Assert.Equal(ArmedMode.Armed, snoozed.ModeAt(day.AddMinutes(10), hours, Berlin));
    }

    private ArmSwitch Switch(ManualClock clock, bool armedAtFirst = true) =>
        new(Options.Create(new ArmingOptions { Armed = armedAtFirst, QuietHours = ["22:00-07:00"] }), clock, NullLogger<ArmSwitch>.Instance, _folder["state/arming.json"]);

    [Fact]
    public void The_state_is_kept_across_a_restart_and_the_settings_give_only_the_first()
    {
        var clock = new ManualClock(Local(2026, 6, 10, 12, 0), Berlin);
        using (ArmSwitch first = Switch(clock, armedAtFirst: false))
        {
            Assert.Equal(ArmedMode.Disarmed, first.Mode(clock.GetUtcNow()));
            first.Arm("the page");
            first.Snooze(TimeSpan.FromMinutes(30), "the button");
        }
        using ArmSwitch again = Switch(clock, armedAtFirst: false);

        Assert.Equal(ArmedMode.Snoozed, again.Mode(clock.GetUtcNow()));
        Assert.Equal("the button", again.State.ChangedBy);
        Assert.Equal("snoozed until 12:30:00", again.Describe(clock.GetUtcNow()));
        clock.Now = clock.Now.AddMinutes(30);
        Assert.True(again.AllowsOutputs(clock.GetUtcNow()));
    }

    [Fact]
    public void A_kept_state_that_cannot_be_read_leaves_the_settings_state_and_does_not_stop_the_device()
    {
        Directory.CreateDirectory(_folder["state"]);
        File.WriteAllText(_folder["state/arming.json"], "{ not json");
        var clock = new ManualClock(Local(2026, 6, 10, 12, 0), Berlin);

        using ArmSwitch arming = Switch(clock);

        Assert.Equal(ArmedMode.Armed, arming.Mode(clock.GetUtcNow()));
    }

    private sealed class Gate : IOutputGate
    {
        public bool Open { get; set; } = true;
        public bool AllowsOutputs(DateTimeOffset now) => Open;
    }

    [Fact]
    public void While_the_gate_is_closed_an_active_rule_s_output_stays_off_and_comes_back_when_it_opens()
    {
        var chip = new FakeGpioDriver();
        var gate = new Gate();
        using var bank = new OutputBank([new() { Name = "led", Pin = 17 }], [new() { Name = "cat", Class = "cat", Outputs = ["led"] }],
            new GpioController(chip), (_, _, _) => throw new InvalidOperationException("no PWM here")) { Gate = gate };
        DateTimeOffset t0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        gate.Open = false;
        bank.Apply(new RuleEvent(0, RuleEventKind.Trigger, 0.9f, 1, t0));
        Assert.True(bank.Held);
        Assert.Equal(PinValue.Low, chip.Level(17));
        gate.Open = true;
        bank.Tick(t0.AddSeconds(1));
        Assert.Equal(PinValue.High, chip.Level(17)); // the rule is still active: its LED comes on
        gate.Open = false;
        bank.Tick(t0.AddSeconds(2));
        Assert.Equal(PinValue.Low, chip.Level(17));
        bank.Apply(new RuleEvent(0, RuleEventKind.Release, 0.1f, 3, t0.AddSeconds(3)));
        gate.Open = true;
        bank.Tick(t0.AddSeconds(4));
        Assert.Equal(PinValue.Low, chip.Level(17)); // released meanwhile: stays off
    }

    [Fact]
    public void Between_frames_a_closed_gate_switches_a_sounding_output_off_but_never_one_on()
    {
        var chip = new FakeGpioDriver();
        var gate = new Gate();
        using var bank = new OutputBank([new() { Name = "buzzer", Pin = 27 }], [new() { Name = "fox", Class = "mammal", Outputs = ["buzzer"] }],
            new GpioController(chip), (_, _, _) => throw new InvalidOperationException("no PWM here")) { Gate = gate };
        DateTimeOffset t0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
        bank.Apply(new RuleEvent(0, RuleEventKind.Trigger, 0.9f, 1, t0));
        Assert.Equal(PinValue.High, chip.Level(27));

        // The camera stops delivering; the user disarms.
        bank.HoldOffIfClosed(t0.AddSeconds(5));
        Assert.Equal(PinValue.High, chip.Level(27)); // still armed: nothing changes
        gate.Open = false;
        bank.HoldOffIfClosed(t0.AddSeconds(6));
        Assert.Equal(PinValue.Low, chip.Level(27));
        gate.Open = true;
        bank.HoldOffIfClosed(t0.AddSeconds(7));
        Assert.Equal(PinValue.Low, chip.Level(27)); // only a frame switches it on again
        bank.Tick(t0.AddSeconds(8));
        Assert.Equal(PinValue.High, chip.Level(27));
    }

    [Fact]
    public void Asking_the_gate_on_every_frame_allocates_nothing_quiet_hours_included()
    {
        var clock = new ManualClock(Local(2026, 6, 10, 23, 0), Berlin);
        using ArmSwitch arming = Switch(clock);
        var chip = new FakeGpioDriver();
        using var bank = new OutputBank([new() { Name = "led", Pin = 17 }], [new() { Name = "cat", Class = "cat", Outputs = ["led"] }],
            new GpioController(chip), (_, _, _) => throw new InvalidOperationException("no PWM here")) { Gate = arming };
        DateTimeOffset t = clock.GetUtcNow();

        SteadyStateAllocations.AssertNone(() =>
        {
            t = t.AddMilliseconds(66);
            Assert.False(arming.AllowsOutputs(t)); // 23:00 in Berlin: quiet
            bank.Tick(t);
        });
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("00:02:00", 120)]
    public void Snooze_lengths_are_read_as_people_write_them(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SnoozeDuration.Parse(text));

    [Theory]
    [InlineData("5x")]
    [InlineData("m")]
    [InlineData("10")]
    [InlineData("8d")]
    public void A_snooze_length_that_is_not_one_says_how_to_write_it(string text) =>
        Assert.Contains("write it as 30s, 10m, 2h or 1h30m", Assert.Throws<ConfigurationException>(() => SnoozeDuration.Parse(text)).Message);
}
