using System.CommandLine;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Outputs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Cli;

/// <summary><c>off</c>: switches every configured output off; the unit runs it after the service stops, however it stopped.</summary>
internal static class OffCommand
{
    public static Command Create()
    {
        var command = new Command("off", "Switch every configured output off (systemd runs this after the service stops, even after a crash or kill).");
        command.SetAction(result =>
        {
            using IHost host = DeviceHost.Build(result.GetValue(DeviceCommandLine.Config));
            OutputList outputs = host.Services.GetRequiredService<IOptions<OutputList>>().Value;
            var hardware = new GpioHardware(host.Services.GetRequiredService<IOptions<GpioOptions>>().Value, host.Services.GetRequiredService<ILoggerFactory>());
            // Opening an output drives it to its off level; disposing releases it, off.
            using (new OutputBank(outputs, [], hardware))
            {
            }
            Console.WriteLine($"{outputs.Count} output(s) off: {string.Join(", ", outputs.Select(o => o.Type == OutputType.PassiveBuzzer ? $"{o.Name} (PWM {o.PwmChip}/{o.PwmChannel})" : $"{o.Name} (GPIO {o.Pin})"))}");
            return 0;
        });
        return command;
    }
}
