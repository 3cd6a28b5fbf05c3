using System.Device.Gpio;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Inputs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// The button and the PIR sensor through dotnet/iot's bindings, driven by level changes on a fake GPIO chip (the
/// hardware boundary): press, hold, contact bounce, and motion waking the frame loop.
/// </summary>
public sealed class InputTests : IDisposable
{
    private const int ButtonPin = 22, PirPin = 23;
    private readonly TempFolder _folder = new();
    private readonly FakeGpioDriver _chip = new();
    private readonly GpioController _controller;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly ArmSwitch _arming;

    public InputTests()
    {
        _controller = new GpioController(_chip);
        _arming = new ArmSwitch(Options.Create(new ArmingOptions { Snooze = TimeSpan.FromMinutes(10) }), _clock, NullLogger<ArmSwitch>.Instance, _folder["arming.json"]);
    }

    public void Dispose()
    {
        _arming.Dispose();
        _controller.Dispose();
        _folder.Dispose();
    }

    private ArmingButton Button(double holdSeconds = 0.4) =>
        new(new ButtonOptions { Pin = ButtonPin, HoldSeconds = holdSeconds, DebounceMilliseconds = 30 }, _controller, _arming, NullLogger<ArmingButton>.Instance);

    // Pulled up: pressed reads low.
    private void Press() => _chip.Drive(ButtonPin, PinValue.Low);

    private void Release() => _chip.Drive(ButtonPin, PinValue.High);

    [Fact]
    public void A_press_snoozes_the_device()
    {
        _chip.Drive(ButtonPin, PinValue.High);
        using ArmingButton button = Button();

        Press();
        Thread.Sleep(50);
        Release();

        Assert.True(SpinWait.SpinUntil(() => _arming.Mode(_clock.GetUtcNow()) == ArmedMode.Snoozed, TimeSpan.FromSeconds(5)));
        Assert.Equal(_clock.GetUtcNow().AddMinutes(10), _arming.State.SnoozedUntil);
        Assert.Equal("the button", _arming.State.ChangedBy);
    }

    [Fact]
    public void Holding_disarms_once_and_its_release_is_not_also_a_press_holding_again_arms()
    {
        _chip.Drive(ButtonPin, PinValue.High);
        using ArmingButton button = Button(holdSeconds: 0.3);

        Press();
        Assert.True(SpinWait.SpinUntil(() => _arming.Mode(_clock.GetUtcNow()) == ArmedMode.Disarmed, TimeSpan.FromSeconds(5)));
        Thread.Sleep(400); // still held: no second toggle
        Release();
        Assert.Equal(ArmedMode.Disarmed, _arming.Mode(_clock.GetUtcNow()));
        Assert.Equal(0, button.Presses);

        Thread.Sleep(50);
        Press();
        Assert.True(SpinWait.SpinUntil(() => _arming.Mode(_clock.GetUtcNow()) == ArmedMode.Armed, TimeSpan.FromSeconds(5)));
        Release();
    }

    [Fact]
    public void A_contact_that_chatters_as_it_opens_is_one_press()
    {
        _chip.Drive(ButtonPin, PinValue.High);
        using ArmingButton button = Button();

        Press();
        Thread.Sleep(100);
        // A real contact chatters for a few milliseconds as it opens: the binding ignores it for the debounce time.
        for (int i = 0; i < 4; i++)
        {
            Release();
            Press();
        }
        Release();
        Thread.Sleep(100);

        Assert.Equal(1, button.Presses);
        Assert.True(SpinWait.SpinUntil(() => _arming.Mode(_clock.GetUtcNow()) == ArmedMode.Snoozed, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Without_debouncing_the_same_chatter_is_five_presses()
    {
        // The counter-test: the chatter above is real, and only the debounce time swallows it.
        _chip.Drive(ButtonPin, PinValue.High);
        using var button = new ArmingButton(new ButtonOptions { Pin = ButtonPin, HoldSeconds = 1, DebounceMilliseconds = 0 }, _controller, _arming, NullLogger<ArmingButton>.Instance);

        Press();
        for (int i = 0; i < 4; i++)
        {
            Release();
            Press();
        }
        Release();

        Assert.Equal(5, button.Presses);
    }

    [Fact]
    public void The_PIR_keeps_the_loop_awake_while_it_sees_motion_and_for_the_awake_time_after()
    {
        var options = new MotionSensorOptions { Pin = PirPin, AwakeSeconds = 30, IdleFramesPerSecond = 0.5 };
        using var pir = new MotionWake(options, _controller, _clock, NullLogger<MotionWake>.Instance);
        Assert.Equal(TimeSpan.FromSeconds(2), pir.IdleInterval);

        Assert.True(pir.IsAwake); // awake at start
        _clock.Now = _clock.Now.AddSeconds(31);
        Assert.False(pir.IsAwake);

        _chip.Drive(PirPin, PinValue.High);
        Assert.True(pir.IsAwake);
        _clock.Now = _clock.Now.AddMinutes(5); // motion goes on: awake however long
        Assert.True(pir.IsAwake);
        _chip.Drive(PirPin, PinValue.Low);
        _clock.Now = _clock.Now.AddSeconds(29);
        Assert.True(pir.IsAwake);
        _clock.Now = _clock.Now.AddSeconds(2);
        Assert.False(pir.IsAwake);
        Assert.Equal(1, pir.Motions);
        // The loop asks on every frame.
        SteadyStateAllocations.AssertNone(() => Assert.False(pir.IsAwake));
    }
}
