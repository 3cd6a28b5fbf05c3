using System.CommandLine;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Device.Systemd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
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
        command.SetAction(result => Run(result.GetValue(DeviceCommandLine.Config)));
        return command;
    }

    private static int Run(string? configFile)
    {
        // First what the last run drove, before the settings are even read: they may have changed since (a pin moved),
        // or no longer be valid, and a pin left on by a crash must go off whatever they say.
        OutputsInUse? inUse = null;
        if (OutputsInUse.PathIn(ServiceStateDirectory.Path) is string record)
        {
            inUse = OutputsInUse.Read(record, out string? problem);
            if (problem is not null) Console.Error.WriteLine($"warning: the record of the outputs in use cannot be read ({problem}); switching the configured ones.");
            if (inUse is not null && inUse.Outputs.Length > 0)
            {
                // The device's own console format (one line an entry, journal priorities), as the host would give.
                using ILoggerFactory recordLoggers = LoggerFactory.Create(logging => logging
                    .AddConsole(o => o.FormatterName = DeviceConsoleFormatter.FormatterName)
                    .AddConsoleFormatter<DeviceConsoleFormatter, ConsoleFormatterOptions>());
                SwitchOff(inUse.Outputs, inUse.Gpio, recordLoggers);
                Console.WriteLine($"{inUse.Outputs.Length} output(s) the last run used off ({record}): {OutputBank.Describe(inUse.Outputs)}");
            }
        }
        // A configuration error is thrown from here, after the recorded pins are off, and exits 2 naming the key.
        using IHost host = DeviceHost.Build(configFile);
        ILoggerFactory loggers = host.Services.GetRequiredService<ILoggerFactory>();
        OutputList outputs = host.Services.GetRequiredService<IOptions<OutputList>>().Value;
        GpioOptions gpio = host.Services.GetRequiredService<IOptions<GpioOptions>>().Value;
        bool sameChip = inUse is not null && inUse.Gpio.Driver == gpio.Driver && inUse.Gpio.Chip == gpio.Chip;
        OutputOptions[] configured = outputs.Where(o => !sameChip || !inUse!.Outputs.Contains(o)).ToArray();
        SwitchOff(configured, gpio, loggers);
        Console.WriteLine($"{outputs.Count} output(s) off: {OutputBank.Describe(outputs)}");
        return ExitCodes.Success;
    }

    // Opening an output drives it to its off level; disposing releases it, off.
    private static void SwitchOff(IReadOnlyList<OutputOptions> outputs, GpioOptions gpio, ILoggerFactory loggers)
    {
        using (new GpioHardware(gpio, loggers).OpenOutputs(outputs, []))
        {
        }
    }
}
