using System.CommandLine;
using EdgeCnn.Trainer.Runs;
using EdgeCnn.Trainer.Training;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>train</c>: options to <see cref="TrainOptions"/>, then <see cref="TrainingRun"/>.</summary>
internal static class TrainCommand
{
    public static Command Create(Func<string> commandLine)
    {
        var arguments = new TrainArguments();
        var command = new Command("train", "Train a CNN classifier; writes checkpoints, metrics.csv, curves.png, confusion.png and report.md to the run folder.");
        arguments.AddTo(command);

        command.SetAction((result, cancellation) =>
        {
            try
            {
                return Task.FromResult(Run(arguments, result, commandLine, cancellation));
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("cancelled; the run folder keeps the last finished epoch: continue with --resume RUN_FOLDER.");
                return Task.FromResult(ExitCodes.Cancelled);
            }
        });
        return command;
    }

    private static int Run(TrainArguments arguments, ParseResult result, Func<string> commandLine, CancellationToken cancellation)
    {
        var progress = new ConsoleProgress();
        string? resumeFolder = result.GetValue(arguments.Resume);
        if (result.GetValue(arguments.Force) && resumeFolder is null) throw new ArgumentException("--force goes with --resume RUN_FOLDER (it continues a run written by another trainer version).");
        if (resumeFolder is not null)
        {
            TrainingRun.Resume(resumeFolder, commandLine(), progress, cancellation, result.GetValue(arguments.Force));
            return ExitCodes.Success;
        }
        TrainOptions options = arguments.Read(result);
        string runFolder = result.GetValue(arguments.Output) ?? RunFolder.NewDefault(options.Architecture);
        progress.Log($"Run folder: {runFolder}");
        TrainingRun.Train(options, runFolder, commandLine(), progress, cancellation);
        return ExitCodes.Success;
    }
}
