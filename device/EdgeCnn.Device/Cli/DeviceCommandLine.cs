using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Cli;

/// <summary>The verbs of <c>edgecnn-device</c>: run (the default), check, bench, capture, off.</summary>
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
        root.Subcommands.Add(CaptureCommand.Create());
        root.Subcommands.Add(OffCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.SetAction((result, token) => RunCommand.RunAsync(result.GetValue(Config), token));
        try
        {
            // The host handles SIGINT/SIGTERM for 'run'; the other verbs take a token cancelled by Stopping().
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return root.Parse(args).InvokeAsync(configuration).GetAwaiter().GetResult();
        }
        catch (Exception e) when (ValidationFailures(e) is { Count: > 0 } failures)
        {
            foreach (string failure in failures) Console.Error.WriteLine($"configuration error: {failure}");
            return 2;
        }
        catch (Exception e) when (IsExpected(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Every distinct configuration failure in <paramref name="e"/> (ValidateOnStart throws them aggregated).</summary>
    public static List<string> ValidationFailures(Exception e) => e switch
    {
        OptionsValidationException v => [.. v.Failures],
        AggregateException a => a.Flatten().InnerExceptions.SelectMany(ValidationFailures).Distinct().ToList(),
        _ => [],
    };

    /// <summary>Failures that come from the user's files, settings or hardware: one line, no stack trace.</summary>
    public static bool IsExpected(Exception e) =>
        e is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException
            or DllNotFoundException or OptionsValidationException;

    /// <summary>A token cancelled by Ctrl-C or SIGTERM, for the verbs that are not the host.</summary>
    public static CancellationTokenSource Stopping(out IDisposable registration)
    {
        var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        registration = new Unregister(() =>
        {
            Console.CancelKeyPress -= onCtrlC;
            onTerm.Dispose();
        });
        return stop;
    }

    private sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
