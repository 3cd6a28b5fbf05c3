using System.CommandLine;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Outputs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>off</c>: switches every configured output off, and every output the last run recorded as in use (see
/// <see cref="OutputsInUse"/>); the unit runs it after the service stops, however it stopped.
/// </summary>
internal static class OffCommand
{
    public static Command Create()
    {
        var command = new Command("off", "Switch every configured output off (systemd runs this after the service stops, even after a crash or kill).");
        command.SetAction(result =>
        {
            using IHost host = DeviceHost.Build(result.GetValue(DeviceCommandLine.Config));
            ILoggerFactory loggers = host.Services.GetRequiredService<ILoggerFactory>();
            OutputList outputs = host.Services.GetRequiredService<IOptions<OutputList>>().Value;
            GpioOptions gpio = host.Services.GetRequiredService<IOptions<GpioOptions>>().Value;
            // First what the last run drove (the settings may have changed since), then what the settings name.
            if (OutputsInUse.PathIn(OutputsInUse.StateDirectory) is string record)
            {
                OutputsInUse? inUse = OutputsInUse.Read(record, out string? problem);
                if (problem is not null) Console.Error.WriteLine($"warning: the record of the outputs in use cannot be read ({problem}); switching the configured ones.");
                bool sameChip = inUse is not null && inUse.Gpio.Driver == gpio.Driver && inUse.Gpio.Chip == gpio.Chip;
                OutputOptions[] others = inUse?.Outputs.Where(o => !sameChip || !outputs.Contains(o)).ToArray() ?? [];
                if (inUse is not null && others.Length > 0)
                {
                    SwitchOff(others, inUse.Gpio, loggers);
                    Console.WriteLine($"{others.Length} output(s) the last run used off ({record}): {OutputBank.Describe(others)}");
                }
            }
            SwitchOff(outputs, gpio, loggers);
            Console.WriteLine($"{outputs.Count} output(s) off: {OutputBank.Describe(outputs)}");
            return 0;
        });
        return command;
    }

    // Opening an output drives it to its off level; disposing releases it, off.
    private static void SwitchOff(IReadOnlyList<OutputOptions> outputs, GpioOptions gpio, ILoggerFactory loggers)
    {
        using (new GpioHardware(gpio, loggers).OpenOutputs(outputs, []))
        {
        }
    }
}
