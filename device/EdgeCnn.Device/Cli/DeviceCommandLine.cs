using System.CommandLine;
using EdgeCnn.Device.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Cli;

/// <summary>The verbs of <c>edgecnn-device</c>: run (the default), check, bench, tune, capture, off, classify, arm, disarm, snooze, fleet.</summary>
internal static class DeviceCommandLine
{
    /// <summary>--config, shared by every verb.</summary>
    public static readonly Option<string?> Config = new("--config", "-c")
    {
        Description = "A JSON settings file, on top of appsettings.json and /etc/edgecnn/edgecnn.json (environment variables EDGECNN_* override all).",
        Recursive = true,
    };

    public static int Invoke(string[] args)
    {
        var root = new RootCommand("EdgeCnn device: watch a camera, classify each frame with an exported model, switch GPIO outputs by rules.");
        root.Options.Add(Config);
        Command run = RunCommand.Create();
        root.Subcommands.Add(run);
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(TuneCommand.Create());
        root.Subcommands.Add(CaptureCommand.Create());
        root.Subcommands.Add(OffCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        foreach (Command arming in ArmCommand.Create()) root.Subcommands.Add(arming);
        root.Subcommands.Add(FleetCommand.Create());
        root.SetAction((result, token) => RunCommand.RunAsync(result.GetValue(Config), token));
        try
        {
            // The host handles SIGINT/SIGTERM for 'run'; the other verbs take a token cancelled by Stopping().
            ParseResult parsed = root.Parse(args);
            if (parsed.CommandResult.Command == root && parsed.UnmatchedTokens.Count > 0)
            {
                // Even with --help, whose action would print the root help and exit 0 as if the verb had run.
                Console.Error.WriteLine($"error: '{parsed.UnmatchedTokens[0]}' is not a command; the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))} (edgecnn-device --help).");
                return ExitCodes.Configuration;
            }
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return parsed.InvokeAsync(configuration).GetAwaiter().GetResult();
        }
        catch (Exception e) when (ValidationFailures(e) is { Count: > 0 } failures)
        {
            foreach (string failure in failures) Console.Error.WriteLine($"configuration error: {failure}");
            return ExitCodes.Configuration;
        }
        catch (Exception e) when (ExitCodes.IsExpected(e))
        {
            // A configuration error exits 2, which systemd does not restart; anything else that may pass exits 1 and is retried.
            Console.Error.WriteLine($"{(ExitCodes.IsConfigurationError(e) ? "configuration error" : "error")}: {e.Message}");
            return ExitCodes.For(e);
        }
    }

    /// <summary>Every distinct configuration failure in <paramref name="e"/> (ValidateOnStart throws them aggregated).</summary>
    public static List<string> ValidationFailures(Exception e) => e switch
    {
        OptionsValidationException v => [.. v.Failures],
        AggregateException a => a.Flatten().InnerExceptions.SelectMany(ValidationFailures).Distinct().ToList(),
        _ => [],
    };
}
