using System.CommandLine;
using EdgeCnn.Trainer.Cli;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Trainer;

internal static class Program
{
    internal static int Main(string[] args)
    {
        string CommandLine() => "edgecnn-train " + string.Join(' ', args.Select(a => a.Any(char.IsWhiteSpace) ? $"\"{a}\"" : a));
        var root = new RootCommand("EdgeCnn trainer: train compact CNN image classifiers for the Raspberry Pi.");
        root.Subcommands.Add(TrainCommand.Create(CommandLine));
        root.Subcommands.Add(EvaluateCommand.Create(CommandLine));
        root.Subcommands.Add(SummaryCommand.Create());
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException
                                      or InvalidOperationException or TorchUnavailableException)
        {
            // Expected failures (bad input, missing files, no libtorch) get one clear line, not a stack trace.
            Console.Error.WriteLine($"error: {e.Message}");
            return e is TorchUnavailableException ? 3 : 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled; the run folder keeps the last completed epoch (continue with --resume).");
            return 130;
        }
    }
}
