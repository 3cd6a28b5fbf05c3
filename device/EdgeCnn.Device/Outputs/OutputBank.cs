using System.Device.Gpio;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Rules;

namespace EdgeCnn.Device.Outputs;

/// <summary>
/// Every configured output, switched by the rules bound to it: an output is on while any of its rules is active.
/// Owns the outputs (and the GPIO controller it is given, unless told not to), and switches everything off when
/// disposed or when <see cref="SwitchAllOff"/> is called from a crash handler. <see cref="GpioHardware.OpenOutputs"/>
/// builds one over the configured driver.
/// </summary>
/// <remarks>Keeping a buzzer from staying on is safety logic: it is tested over a fake GPIO chip.</remarks>
public sealed class OutputBank : IDisposable
{
    private SteadyTimeline _timeline;
    private readonly GpioController? _controller;
    private readonly IDeviceOutput[] _outputs;
    private readonly int[][] _outputsOfRule;
    private readonly int[] _activeRules;
    private readonly Lock _gate = new();
    private bool _off;
    private volatile bool _held;

    /// <summary>
    /// Opens every output, off, and binds each rule to its outputs. Errors name the configuration key:
    /// <c>Outputs:i:Pin</c>, <c>Rules:i:Outputs</c>.
    /// </summary>
    /// <param name="outputs">The outputs, in configuration order.</param>
    /// <param name="rules">The rules, whose outputs they switch.</param>
    /// <param name="controller">The GPIO controller for LEDs and active buzzers (null when there are none).</param>
    /// <param name="openPwm">Opens a passive buzzer's PWM channel: (chip, channel, frequency in Hz).</param>
    /// <param name="shouldDispose">Whether the bank disposes <paramref name="controller"/> when it switches off, as
    /// dotnet/iot bindings do with theirs.</param>
    public OutputBank(IReadOnlyList<OutputOptions> outputs, IReadOnlyList<RuleOptions> rules, GpioController? controller, PwmOpener openPwm, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(openPwm);
        OutputList.Validate(outputs, rules);
        if (controller is null && outputs.Any(o => o.Wiring.UsesGpioController))
            throw new ArgumentException("a GPIO controller is needed for LED and active-buzzer outputs.", nameof(controller));
        _controller = shouldDispose ? controller : null;
        var opened = new List<IDeviceOutput>();
        try
        {
            for (int i = 0; i < outputs.Count; i++)
            {
                OutputOptions o = outputs[i];
                try
                {
                    opened.Add(OutputFactory.Open(o, controller, openPwm));
                }
                catch (Exception e) when (e is not InvalidOperationException and not ConfigurationException and not OutOfMemoryException)
                {
                    throw new InvalidOperationException($"Outputs:{i} ('{o.Name}'): {o.Wiring.Where(o)} cannot be opened as an output ({e.Message}); {o.Wiring.HowToFree($"Outputs:{i}")}", e);
                }
            }
        }
        catch
        {
            foreach (IDeviceOutput output in opened) output.Dispose();
            _controller?.Dispose();
            throw;
        }
        _outputs = [.. opened];
        _outputsOfRule = rules.Select(r => r.Outputs.Select(name => outputs.ToList().FindIndex(o => o.Name == name)).ToArray()).ToArray();
        _activeRules = new int[_outputs.Length];
    }

    /// <summary>The outputs as <c>off</c> and <c>check</c> print them: <c>led (GPIO 17), beeper (PWM 0/0)</c>.</summary>
    public static string Describe(IEnumerable<OutputOptions> outputs) =>
        string.Join(", ", outputs.Select(o => $"{o.Name} ({o.Wiring.Where(o)})"));

    /// <summary>The outputs, in configuration order.</summary>
    public IReadOnlyList<IDeviceOutput> Outputs => _outputs;

    /// <summary>
    /// What says whether outputs may be on (the armed state); none means always. While it says no, the rules' outputs
    /// are held off; when it says yes again, those whose rules are still active come back on.
    /// </summary>
    public IOutputGate? Gate { get; set; }

    /// <summary>Whether the gate held the outputs off at the last event or tick (the device is not armed).</summary>
    public bool Held => _held;

    /// <summary>Applies one rule event: the rule's outputs switch on with its first rule, off with its last.</summary>
    public void Apply(in RuleEvent ruleEvent)
    {
        lock (_gate)
        {
            if (_off) return;
            DateTimeOffset steady = _timeline.Advance(ruleEvent.Time);
            Hold(ruleEvent.Time, steady);
            foreach (int o in _outputsOfRule[ruleEvent.Rule])
            {
                if (ruleEvent.Kind == RuleEventKind.Trigger)
                {
                    if (_activeRules[o]++ == 0 && !_held) _outputs[o].Activate(steady);
                }
                else if (_activeRules[o] > 0 && --_activeRules[o] == 0)
                {
                    _outputs[o].Deactivate();
                }
            }
        }
    }

    /// <summary>Advances blink and beep patterns to <paramref name="now"/>.</summary>
    public void Tick(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_off) return;
            // Patterns run on a timeline that a clock stepping back cannot freeze.
            DateTimeOffset steady = _timeline.Advance(now);
            Hold(now, steady);
            foreach (IDeviceOutput output in _outputs) output.Tick(steady);
        }
    }

    /// <summary>
    /// Between frames (a camera that stopped delivering): holds the active outputs off if the gate has closed, so a
    /// disarm or snooze silences a buzzer even while no frame comes. Never switches an output on; frames do that.
    /// </summary>
    public void HoldOffIfClosed(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_off || _held || Gate is not { } gate || gate.AllowsOutputs(now)) return;
            _held = true;
            for (int o = 0; o < _outputs.Length; o++)
            {
                if (_activeRules[o] > 0) _outputs[o].Deactivate();
            }
        }
    }

    // Holds the active outputs off when the gate closes and brings them back when it opens; under the lock.
    private void Hold(DateTimeOffset now, DateTimeOffset steady)
    {
        bool held = Gate is { } gate && !gate.AllowsOutputs(now);
        if (held == _held) return;
        _held = held;
        for (int o = 0; o < _outputs.Length; o++)
        {
            if (_activeRules[o] == 0) continue;
            if (held) _outputs[o].Deactivate();
            else _outputs[o].Activate(steady);
        }
    }

    /// <summary>
    /// Switches every output off and releases the pins; afterwards the bank ignores rule events. Safe to call from
    /// any thread and more than once: the frame loop's exit path, the host's stop and the crash handler all do.
    /// </summary>
    public void SwitchAllOff()
    {
        lock (_gate)
        {
            if (_off) return;
            _off = true;
            foreach (IDeviceOutput output in _outputs)
            {
                try
                {
                    output.Dispose();
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    // Keep switching the others off; a pin that cannot be written cannot be helped here.
                    Console.Error.WriteLine($"output '{output.Name}' could not be switched off: {e.Message}");
                }
            }
            _controller?.Dispose();
        }
    }

    /// <summary>Switches everything off.</summary>
    public void Dispose() => SwitchAllOff();
}
