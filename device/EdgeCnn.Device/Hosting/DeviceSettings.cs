using EdgeCnn.Device.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Hosting;

/// <summary>
/// The settings the frame pipeline is built from. Each is read when first used, not when this is made: the host
/// validates every section at start and reports every bad key at once, which an early read of one would cut short.
/// </summary>
public sealed class DeviceSettings(
    IOptions<ModelOptions> model, IOptions<SourceOptions> source, IOptions<GpioOptions> gpio,
    IOptions<OutputList> outputs, IOptions<RuleList> rules, IOptions<MotionGateOptions> motionGate)
{
    /// <summary>The model and how to run it.</summary>
    public ModelOptions Model => model.Value;

    /// <summary>The camera or clip.</summary>
    public SourceOptions Source => source.Value;

    /// <summary>The GPIO driver and chip.</summary>
    public GpioOptions Gpio => gpio.Value;

    /// <summary>The outputs, in configuration order.</summary>
    public OutputList Outputs => outputs.Value;

    /// <summary>The rules, in configuration order.</summary>
    public RuleList Rules => rules.Value;

    /// <summary>The motion gate.</summary>
    public MotionGateOptions MotionGate => motionGate.Value;
}
