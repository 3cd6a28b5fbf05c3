using System.CommandLine;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>arm</c>, <c>disarm</c> and <c>snooze [DURATION]</c>: change the armed state of the device on this machine. The
/// state is written where the service keeps it (<see cref="ArmingFile"/>); a running service applies it within a
/// second, one started later reads it.
/// </summary>
internal static class ArmCommand
{
    private const string By = "the command line";

    public static IEnumerable<Command> Create()
    {
        var arm = new Command("arm", "Arm the device: rules switch the outputs again (ends a snooze).");
        arm.SetAction(result => Run(result.GetValue(DeviceCommandLine.Config), s => s.Arm(By)));
        var disarm = new Command("disarm", "Disarm the device: rules still run and events are logged, but no output switches until 'arm'.");
        disarm.SetAction(result => Run(result.GetValue(DeviceCommandLine.Config), s => s.Disarm(By)));
        var duration = new Argument<string?>("duration")
        {
            Description = "How long: 30s, 10m, 2h, 1h30m (default: the Arming:Snooze setting, 10m unless set).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var snooze = new Command("snooze", "Silence the outputs for a while; the device arms itself again afterwards.") { duration };
        snooze.SetAction(result =>
        {
            string? text = result.GetValue(duration);
            TimeSpan? length = text is null ? null : SnoozeDuration.Parse(text);
            return Run(result.GetValue(DeviceCommandLine.Config), s => s.Snooze(length, By));
        });
        return [arm, disarm, snooze];
    }

    private static int Run(string? configFile, Action<ArmSwitch> change)
    {
        // The line printed below says what changed; the switch's own log line would say it twice.
        using IHost host = DeviceHost.Build(configFile, builder => builder.Logging.AddFilter(typeof(ArmSwitch).FullName, LogLevel.Warning));
        IOptions<ArmingOptions> options = host.Services.GetRequiredService<IOptions<ArmingOptions>>();
        TimeProvider clock = host.Services.GetRequiredService<TimeProvider>();
        using var arming = new ArmSwitch(options, clock, host.Services.GetRequiredService<ILogger<ArmSwitch>>());
        change(arming);
        // Read back: a file that could not be written was only warned about, and must not read as done.
        ArmingState? kept = ArmingFile.Read(arming.File, out string? problem);
        if (kept != arming.State)
        {
            Console.Error.WriteLine($"error: the armed state could not be written to {arming.File}{(problem is null ? "" : $" ({problem})")}; run it as the service's user or with sudo.");
            return ExitCodes.Failure;
        }
        Console.WriteLine($"{arming.Describe(clock.GetUtcNow())} (kept in {arming.File}; a running service applies it within a second)");
        return ExitCodes.Success;
    }
}
