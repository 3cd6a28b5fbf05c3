using System.CommandLine;
using EdgeCnn.CommandLine;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Trainer.Cli;

internal static class Program
{
    internal static int Main(string[] args)
    {
        string CommandLine() => "edgecnn-train " + string.Join(' ', args.Select(a => a.Any(char.IsWhiteSpace) ? $"\"{a}\"" : a));
        var root = new RootCommand("EdgeCnn trainer: train compact CNN image classifiers for the Raspberry Pi.");
        root.Subcommands.Add(TrainCommand.Create(CommandLine));
        root.Subcommands.Add(EvaluateCommand.Create(CommandLine));
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(SummaryCommand.Create());
        root.Subcommands.Add(ClipCommand.Create());
        // Ctrl-C and SIGTERM cancel the running command, which stops at the next batch boundary and exits through
        // the normal path, so a checkpoint and its run.json are never left half written.
        using CancellationTokenSource stop = StopSignal.Listen(out IDisposable registration);
        try
        {
            ParseResult parsed = root.Parse(args);
            if (UnknownCommand(root, parsed) is string unknown)
            {
                Console.Error.WriteLine($"error: {unknown}");
                return ExitCodes.BadInput;
            }
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return parsed.InvokeAsync(configuration, stop.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException
                                      or InvalidOperationException or TorchUnavailableException)
        {
            // Expected failures (bad input, missing files, no libtorch) get one clear line, not a stack trace.
            Console.Error.WriteLine($"error: {e.Message}");
            return e is TorchUnavailableException ? ExitCodes.TorchUnavailable : ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled.");
            return ExitCodes.Cancelled;
        }
        finally
        {
            registration.Dispose();
        }
    }

    /// <summary>
    /// An unknown verb, even with --help (whose action would otherwise print the root help and exit 0, so that a
    /// script calling a verb this version lacks would carry on as if it had run).
    /// </summary>
    private static string? UnknownCommand(RootCommand root, ParseResult parsed) =>
        parsed.CommandResult.Command == root && parsed.UnmatchedTokens.Count > 0
            ? $"'{parsed.UnmatchedTokens[0]}' is not a command; the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))} (edgecnn-train --help)."
            : null;
}
