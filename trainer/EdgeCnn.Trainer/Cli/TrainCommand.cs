using System.CommandLine;
using System.Globalization;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Runs;
using EdgeCnn.Trainer.Scene;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>train</c>: options to <see cref="TrainOptions"/>, then <see cref="TrainingRun"/>.</summary>
internal static class TrainCommand
{
    public static Command Create(Func<string> commandLine)
    {
        var defaults = new TrainOptions();
        var data = new Option<string?>("--data") { Description = "An image folder (root/<class>/*.png|jpg, or root/train + root/val), a folder of IDX files, or 'fashion-mnist'." };
        var arch = new Option<string>("--arch") { Description = $"A preset ({string.Join(", ", Presets.Names)}) or an architecture JSON file.", DefaultValueFactory = _ => defaults.Architecture };
        var output = new Option<string?>("--out") { Description = "Run folder. Default: runs/ARCH-DATE-TIME." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its last checkpoint (its saved options are used)." };
        var force = new Option<bool>("--force") { Description = "With --resume: continue a run written by another trainer version." };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => defaults.BatchSize };
        var optimizer = Choice("--optimizer", "sgd, adam or adamw.", EnumNames.Of<OptimizerKind>(), "adamw");
        var lr = new Option<double>("--lr") { Description = "Learning rate (the peak rate for one-cycle).", DefaultValueFactory = _ => defaults.LearningRate };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => defaults.Momentum };
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum (SGD)." };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => defaults.WeightDecay };
        var schedule = Choice("--schedule", "Learning-rate schedule.", EnumNames.Of<ScheduleKind>(), "one-cycle");
        var stepSize = new Option<int>("--step-size") { Description = "Step schedule: epochs between decays.", DefaultValueFactory = _ => defaults.StepSize };
        var gamma = new Option<double>("--gamma") { Description = "Step schedule: decay factor.", DefaultValueFactory = _ => defaults.Gamma };
        var loss = Choice("--loss", "cross-entropy (softmax) or hinge (multi-class).", EnumNames.Of<LossKind>(), "cross-entropy");
        var smoothing = new Option<double>("--label-smoothing") { DefaultValueFactory = _ => 0 };
        var patience = new Option<int>("--patience") { Description = "Early stopping: epochs without a better validation accuracy (0: off).", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var valSplit = new Option<double>("--val-split") { Description = "Fraction of the training images held out for validation when the dataset has no val split.", DefaultValueFactory = _ => defaults.ValidationSplit };
        var threads = new Option<int>("--threads") { Description = "CPU threads for libtorch (0: all cores).", DefaultValueFactory = _ => 0 };
        var device = Choice("--device", "auto takes CUDA when TorchSharp reports it.", ["auto", "cpu", "cuda"], "auto");
        var initFrom = new Option<string?>("--init-from") { Description = "Start from the weights of an earlier run folder or .pt file; the classifier head is replaced when the classes differ." };
        var freeze = new Option<string?>("--freeze") { Description = "Keep the layers up to and including this one fixed (names from 'summary')." };
        var resize = Choice("--resize", "How images of another shape are fitted.", EnumNames.Of<ResizeMode>(), "stretch");
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean after scaling to [0,1], e.g. 0.5 or 0.485,0.456,0.406. Default 0.5." };
        var std = new Option<string?>("--std") { Description = "Per-channel standard deviation, e.g. 0.5 or 0.229,0.224,0.225. Default 0.5." };
        var shift = new Option<double>("--shift") { Description = "Augmentation: largest random shift as a fraction of the size (0: off).", DefaultValueFactory = _ => defaults.Augmentation.Shift };
        var flip = new Option<bool>("--flip") { Description = "Augmentation: random horizontal flips (--flip false to turn off).", DefaultValueFactory = _ => defaults.Augmentation.Flip };
        var rotate = new Option<double>("--rotate") { Description = "Augmentation: largest random rotation in degrees (0: off)." };
        var brightness = new Option<double>("--brightness") { Description = "Augmentation: largest brightness change as a fraction of the range (0: off)." };
        var contrast = new Option<double>("--contrast") { Description = "Augmentation: largest contrast change as a fraction (0: off)." };
        var erase = new Option<double>("--erase") { Description = "Augmentation: probability of random erasing (0: off)." };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn every augmentation off." };
        var scene = new SceneArguments();
        var input = new InputOptions();

        var command = new Command("train", "Train a CNN classifier; writes checkpoints, metrics.csv, curves.png, confusion.png and report.md to the run folder.");
        foreach (Option option in new Option[] { data, arch, output, resume, force, epochs, batch, optimizer, lr, momentum, nesterov, weightDecay, schedule, stepSize, gamma,
                     loss, smoothing, patience, seed, valSplit, threads, device, initFrom, freeze, resize, mean, std, shift, flip, rotate, brightness, contrast, erase, noAugment })
            command.Options.Add(option);
        scene.AddTo(command);
        input.AddTo(command);

        command.SetAction((result, cancellation) =>
        {
            try
            {
                return Task.FromResult(Run(result, cancellation));
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("cancelled; the run folder keeps the last finished epoch: continue with --resume RUN_FOLDER.");
                return Task.FromResult(ExitCodes.Cancelled);
            }
        });
        return command;

        int Run(ParseResult result, CancellationToken cancellation)
        {
            var progress = new ConsoleProgress();
            string? resumeFolder = result.GetValue(resume);
            if (result.GetValue(force) && resumeFolder is null) throw new ArgumentException("--force goes with --resume RUN_FOLDER (it continues a run written by another trainer version).");
            if (resumeFolder is not null)
            {
                TrainingRun.Resume(resumeFolder, commandLine(), progress, cancellation, result.GetValue(force));
                return ExitCodes.Success;
            }
            string dataValue = result.GetValue(data) ?? throw new ArgumentException("--data is required: an image folder, an IDX folder or 'fashion-mnist'.");
            string archValue = result.GetValue(arch)!;
            var options = new TrainOptions
            {
                Data = dataValue,
                Architecture = archValue,
                Input = input.Read(result, () => ArchitectureSpec.Resolve(archValue).Input ?? DatasetLoader.NativeInput(dataValue)),
                ResizeMode = EnumNames.Parse<ResizeMode>(result.GetValue(resize)!, "--resize"),
                Mean = ParseFloats(result.GetValue(mean), "--mean"),
                Std = ParseFloats(result.GetValue(std), "--std"),
                Epochs = result.GetValue(epochs),
                BatchSize = result.GetValue(batch),
                Optimizer = EnumNames.Parse<OptimizerKind>(result.GetValue(optimizer)!, "--optimizer"),
                LearningRate = result.GetValue(lr),
                Momentum = result.GetValue(momentum),
                Nesterov = result.GetValue(nesterov),
                WeightDecay = result.GetValue(weightDecay),
                Schedule = EnumNames.Parse<ScheduleKind>(result.GetValue(schedule)!, "--schedule"),
                StepSize = result.GetValue(stepSize),
                Gamma = result.GetValue(gamma),
                Loss = EnumNames.Parse<LossKind>(result.GetValue(loss)!, "--loss"),
                LabelSmoothing = result.GetValue(smoothing),
                Patience = result.GetValue(patience),
                Seed = result.GetValue(seed),
                ValidationSplit = result.GetValue(valSplit),
                Threads = result.GetValue(threads),
                Device = result.GetValue(device)!,
                InitFrom = result.GetValue(initFrom),
                Freeze = result.GetValue(freeze),
                BackgroundClass = scene.BackgroundClass(result),
                Scene = scene.Read(result),
                Augmentation = result.GetValue(noAugment) ? AugmentationOptions.None : new AugmentationOptions
                {
                    Shift = result.GetValue(shift),
                    Flip = result.GetValue(flip),
                    Rotate = result.GetValue(rotate),
                    Brightness = result.GetValue(brightness),
                    Contrast = result.GetValue(contrast),
                    Erase = result.GetValue(erase),
                },
            };
            string runFolder = result.GetValue(output) ?? RunFolder.NewDefault(archValue);
            progress.Log($"Run folder: {runFolder}");
            TrainingRun.Train(options, runFolder, commandLine(), progress, cancellation);
            return ExitCodes.Success;
        }
    }

    private static Option<string> Choice(string name, string description, string[] choices, string defaultValue)
    {
        var option = new Option<string>(name) { Description = $"{description} One of: {string.Join(", ", choices)}.", DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(choices);
        return option;
    }


    private static float[]? ParseFloats(string? text, string option)
    {
        if (text is null) return null;
        try
        {
            return text.Split(',').Select(s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option} {text}: write numbers separated by commas, e.g. 0.5 or 0.485,0.456,0.406.");
        }
    }
}
