using System.Diagnostics;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Layers;
using EdgeCnn.Trainer.Metrics;
using EdgeCnn.Trainer.Onnx;
using EdgeCnn.Trainer.Reports;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Runs;

/// <summary>One training run, from options to a run folder with checkpoints, metrics, plots and a report.</summary>
internal static class TrainingRun
{
    /// <summary>Starts a new run in <paramref name="runFolder"/>.</summary>
    public static RunRecord Train(TrainOptions options, string runFolder, string command, ITrainingProgress progress, CancellationToken cancellation = default)
    {
        options.Validate();
        if (File.Exists(RunFolder.RecordPath(runFolder)))
            throw new IOException($"{runFolder} already holds a run; continue it with --resume {runFolder}, or choose another --out.");
        return Run(options, runFolder, command, previous: null, progress, cancellation);
    }

    /// <summary>Continues the run in <paramref name="runFolder"/> from its last checkpoint.</summary>
    /// <param name="force">Continue a run written by another trainer version.</param>
    public static RunRecord Resume(string runFolder, string command, ITrainingProgress progress, CancellationToken cancellation = default, bool force = false)
    {
        if (Directory.Exists(runFolder)) EpochCommit.Recover(runFolder);
        if (Directory.Exists(runFolder) && !File.Exists(RunFolder.RecordPath(runFolder)) && File.Exists(RunFolder.ArchitecturePath(runFolder)))
            throw new FileNotFoundException($"{runFolder}: the run stopped before its first epoch was saved, so there is nothing to continue; train again with the same command (the same --out is fine).", RunFolder.RecordPath(runFolder));
        RunRecord previous = RunRecord.Load(runFolder);
        // Another version may build, augment or load differently: the continued run would silently not be the run it says it is.
        if (previous.TrainerVersion != TrainerInfo.Version && !force)
            throw new InvalidDataException($"{runFolder} was written by edgecnn-train {previous.TrainerVersion}; this is {TrainerInfo.Version}, which may build, augment or load data differently. " +
                "Start a new run, or add --force to continue it with this version anyway.");
        if (previous.Finished) throw new InvalidOperationException($"{runFolder}: the run already finished all {previous.Options.Epochs} epochs (or stopped early); nothing to resume.");
        if (!File.Exists(RunFolder.LastWeights(runFolder)))
            throw new FileNotFoundException($"{runFolder}: no last.pt checkpoint to resume from; the run ended before its first epoch. Start it again.");
        return Run(previous.Options, runFolder, command, previous, progress, cancellation);
    }

    private static RunRecord Run(TrainOptions options, string runFolder, string command, RunRecord? previous, ITrainingProgress progress, CancellationToken cancellation)
    {
        Device device = TorchRuntime.SelectDevice(options.Device);
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        torch.set_num_threads(threads);
        // One seed drives the split, the initial weights, the shuffles and the augmentation: a CPU run repeats exactly.
        torch.manual_seed(options.Seed);

        ArchitectureSpec architecture = previous?.Architecture ?? ArchitectureSpec.Resolve(options.Architecture);
        InputShape input = previous?.Input ?? options.Input ?? architecture.Input ?? DatasetLoader.NativeInput(options.Data);
        PreprocessingSpec preprocessing = previous?.Preprocessing ?? Preprocessing(options, input);

        LoadedData data = LoadData(options, input, preprocessing, progress);
        using RunDataset dataset = RunDataset.Prepare(options, data, preprocessing, progress);
        string[] classes = dataset.Classes;
        if (previous is not null && !previous.Classes.SequenceEqual(classes))
            throw new InvalidDataException($"{runFolder}: the run was trained on classes [{string.Join(", ", previous.Classes)}] but {options.Data} now has [{string.Join(", ", classes)}].");

        NetworkPlan plan = NetworkPlan.Create(architecture, input, classes.Length);
        using Sequential model = NetworkBuilder.Build(plan);
        model.to(device);
        if (previous is null && options.InitFrom is not null) InitialiseFrom(model, plan, options.InitFrom, classes, progress);
        HashSet<string> frozen = Freeze(model, plan, options.Freeze, progress);

        Directory.CreateDirectory(runFolder);
        var record = previous ?? new RunRecord
        {
            Command = command,
            Options = options,
            Architecture = architecture,
            Input = input,
            Classes = classes,
            Preprocessing = preprocessing,
            Parameters = plan.Parameters,
            Macs = plan.Macs,
            Dataset = data.Description,
            SkippedImages = data.SkippedImages,
            Device = device.type.ToString().ToLowerInvariant(),
            Threads = threads,
            BackgroundClass = dataset.BackgroundClass,
        };
        if (previous is null)
        {
            architecture.Save(RunFolder.ArchitecturePath(runFolder));
            WriteSamples(runFolder, dataset, preprocessing, progress);
        }
        progress.Log($"{architecture.Name}: {plan.Parameters:N0} parameters, {plan.Macs:N0} MACs per image; {classes.Length} classes; device {record.Device}, {threads} threads.");

        using var session = new TrainingSession(model, plan, frozen, options, dataset, preprocessing, device);
        if (previous is not null)
        {
            session.ContinueFrom(runFolder, record.EpochsCompleted);
            progress.Log($"Resuming {runFolder} at epoch {record.EpochsCompleted + 1} of {options.Epochs} (best validation accuracy so far {record.BestValidationAccuracy:P2} at epoch {record.BestEpoch}).");
        }
        record = TrainEpochs(session, model, dataset, record, runFolder, device, progress, cancellation);

        // The report describes the best checkpoint, on the test set when the dataset has one.
        Checkpoint.Load(model, RunFolder.BestWeights(runFolder), plan);
        return Conclude(model, plan, dataset, record, runFolder, device, progress);
    }

    private static LoadedData LoadData(TrainOptions options, InputShape input, PreprocessingSpec preprocessing, ITrainingProgress progress)
    {
        var loading = Stopwatch.StartNew();
        progress.Log($"Loading {options.Data} as {input} tensors ...");
        LoadedData data = DatasetLoader.Load(options.Data, preprocessing, options.ValidationSplit, options.Seed);
        progress.Log($"{data.Description} (prepared in {loading.Elapsed.TotalSeconds:F1} s)");
        if (data.SkippedImages > 0)
            progress.Log($"Skipped {data.SkippedImages} unreadable image(s), for example:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", data.SkippedExamples));
        return data;
    }

    // A new run's pictures of what the network will see: composed validation scenes, and the items cut out of frames.
    private static void WriteSamples(string runFolder, RunDataset dataset, PreprocessingSpec preprocessing, ITrainingProgress progress)
    {
        string[] classes = dataset.Classes;
        if (dataset.Composer is not null)
        {
            ImageSet shown = dataset.Validation.Subset([.. Enumerable.Range(0, Math.Min(48, dataset.Validation.Count))]);
            SampleGrid.Write(Path.Combine(runFolder, "scenes.png"), shown.Pixels, shown.Labels, classes, preprocessing);
            progress.Log($"Wrote {runFolder}/scenes.png: validation scenes as the network sees them.");
        }
        if (dataset.Cutouts is { } cut)
        {
            ImageSet shown = cut.Subset([.. Enumerable.Range(0, Math.Min(48, cut.Count))]);
            SampleGrid.Write(Path.Combine(runFolder, "cutouts.png"), Opaque(shown), shown.Labels, classes, preprocessing);
            progress.Log($"Wrote {runFolder}/cutouts.png: items cut out of captured frames by their difference from the empty scene, on black.");
        }
    }

    /// <summary>
    /// The epochs left: each is trained, validated and committed with its checkpoint files (so a kill between them
    /// cannot leave last.pt an epoch ahead of run.json); stops early when validation accuracy has not improved for
    /// --patience epochs.
    /// </summary>
    private static RunRecord TrainEpochs(TrainingSession session, Sequential model, RunDataset dataset, RunRecord record, string runFolder, Device device,
        ITrainingProgress progress, CancellationToken cancellation)
    {
        TrainOptions options = record.Options;
        var history = new List<EpochMetrics>(record.History);
        for (int epoch = record.EpochsCompleted + 1; epoch <= options.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            double learningRate = session.LearningRate;
            (double trainLoss, double trainAccuracy, double trainSeconds) = session.TrainEpoch(epoch, progress, cancellation);
            Evaluator.Result validation = Evaluator.Evaluate(model, dataset.Validation, device, options.Loss);
            clock.Stop();
            var metrics = new EpochMetrics(epoch, learningRate, trainLoss, trainAccuracy, validation.Loss, validation.Confusion.Accuracy,
                clock.Elapsed.TotalSeconds, dataset.Train.Count / trainSeconds);
            history.Add(metrics);

            // The first epoch always counts, so best.pt exists even if validation accuracy never rises above 0.
            bool improved = record.BestEpoch == 0 || validation.Confusion.Accuracy > record.BestValidationAccuracy;
            int bestEpoch = improved ? epoch : record.BestEpoch;
            bool stoppedEarly = options.Patience > 0 && epoch - bestEpoch >= options.Patience && epoch < options.Epochs;
            record = record with
            {
                EpochsCompleted = epoch,
                BestEpoch = bestEpoch,
                BestValidationAccuracy = improved ? validation.Confusion.Accuracy : record.BestValidationAccuracy,
                TrainingSeconds = record.TrainingSeconds + clock.Elapsed.TotalSeconds,
                History = [.. history],
                StoppedEarly = stoppedEarly,
            };
            var commit = new EpochCommit(runFolder);
            try
            {
                session.WriteCheckpoint(commit, runFolder, improved);
                commit.Commit(record);
            }
            catch (IOException e)
            {
                // A full disk: the folder is left as the last saved epoch (or as no epoch), never half of one.
                EpochCommit.Recover(runFolder);
                bool saved = File.Exists(RunFolder.RecordPath(runFolder));
                throw new IOException($"{runFolder}: epoch {epoch} could not be saved ({e.Message}). " + (saved
                    ? $"The folder keeps epoch {RunRecord.Load(runFolder).EpochsCompleted}: free some space and continue with --resume {runFolder}."
                    : "No epoch is saved yet: free some space and train again with the same command."), e);
            }
            progress.EpochCompleted(metrics, improved);
            MetricsCsv.Write(RunFolder.Metrics(runFolder), history);
            Plots.Curves(RunFolder.Curves(runFolder), history, $"{record.Architecture.Name} on {Path.GetFileName(options.Data.TrimEnd('/'))}");
            if (stoppedEarly)
            {
                progress.Log($"Stopping early: no better validation accuracy for {options.Patience} epochs (best {record.BestValidationAccuracy:P2} at epoch {bestEpoch}).");
                break;
            }
        }
        return record;
    }

    /// <summary>
    /// After the last epoch: calibrates the open-set threshold on the validation split, evaluates the test split (or
    /// validation), writes the report and exports the model.
    /// </summary>
    private static RunRecord Conclude(Sequential model, NetworkPlan plan, RunDataset dataset, RunRecord record, string runFolder, Device device, ITrainingProgress progress)
    {
        TrainOptions options = record.Options;
        PreprocessingSpec preprocessing = record.Preprocessing;
        int bestEpoch = record.BestEpoch;
        double bestAccuracy = record.BestValidationAccuracy;
        // The open-set threshold comes from the validation split alone; the test split only measures it.
        Evaluator.Result validated = Evaluator.Evaluate(model, dataset.Validation, device, options.Loss);
        OpenSetThreshold openSet = OpenSetCalibration.Calibrate(dataset.Validation, validated, dataset.BackgroundIndex, dataset.ValidationDescription);
        ImageSet reportSet = dataset.Test ?? dataset.Validation;
        string reportSplit = dataset.Test is null ? "validation" : dataset.Composer is null ? "test" : "scene test";
        Evaluator.Result final = Evaluator.Evaluate(model, reportSet, device, options.Loss);
        double? cleanTest = dataset.CleanTest is null ? null : Evaluator.Evaluate(model, dataset.CleanTest, device, options.Loss).Confusion.Accuracy;
        OpenSetCalibration.Effect effect = OpenSetCalibration.Measure(reportSet, final, dataset.BackgroundIndex, openSet.Threshold);
        progress.Log($"Open-set threshold (max-softmax) {openSet.Threshold:0.###}: keeps {OpenSetCalibration.KeptCorrect:P0} of the correctly classified validation items; " +
            $"on the {reportSplit} set it keeps {effect.ItemsKept:P1} of the correct items" +
            (effect.FalseAlarmRate is double alarms ? $" and cuts false alarms on empty scenes from {alarms:P2} to {effect.FalseAlarmRateWithThreshold:P2}." : "."));
        record = record with
        {
            Finished = true,
            TestAccuracy = dataset.Test is null ? null : cleanTest ?? final.Confusion.Accuracy,
            CleanTestAccuracy = cleanTest,
            OpenSet = openSet,
            OpenSetEffect = effect,
        };
        record.Save(runFolder);
        RunReport.Write(runFolder, record, final.Confusion, reportSplit);
        // The first layer's filters and Grad-CAM of a few test images, wrong ones included, at the end of the report.
        string figures = Inspection.ModelInspection.ReportFigures(model, plan, reportSet, final.Predictions, dataset.Classes, runFolder);
        if (figures.Length > 0) File.AppendAllText(RunFolder.Report(runFolder), "\n" + figures);
        int verifyCount = Math.Min(32, reportSet.Count);
        ModelExport.Result exported = ModelExport.Write(plan, model, record, reportSet.Pixels.AsSpan(0, verifyCount * preprocessing.TensorLength).ToArray(),
            verifyCount, $"{reportSplit} images", RunFolder.Model(runFolder), OutputKind.Logits);
        progress.Log($"Exported {exported.ModelPath} and {Path.GetFileName(exported.ManifestPath)} (ONNX Runtime matches TorchSharp to {exported.Comparison.MaxAbsDifference:G2}).");
        string testFigure = dataset.Test is null ? "" : $"; {reportSplit} accuracy {final.Confusion.Accuracy:P2}" + (cleanTest is double clean ? $", clean test accuracy {clean:P2}" : "");
        progress.Log($"Best epoch {bestEpoch}: validation accuracy {bestAccuracy:P2}{testFigure}. Wrote {runFolder}/report.md, curves.png, confusion.png.");
        return record;
    }

    private static PreprocessingSpec Preprocessing(TrainOptions options, InputShape input)
    {
        float[] mean = options.Mean ?? Enumerable.Repeat(0.5f, input.Channels).ToArray();
        float[] std = options.Std ?? Enumerable.Repeat(0.5f, input.Channels).ToArray();
        var spec = new PreprocessingSpec
        {
            Width = input.Width,
            Height = input.Height,
            Channels = input.Channels,
            ChannelOrder = ChannelOrder.Rgb,
            ResizeMode = options.ResizeMode,
            Mean = mean,
            Std = std,
        };
        spec.Validate("--input/--mean/--std");
        return spec;
    }

    // The cut-outs as they would show on black: colour times opacity, in normalised space.
    private static float[] Opaque(ImageSet set)
    {
        PreprocessingSpec p = set.Preprocessing;
        int plane = p.Width * p.Height;
        var pixels = (float[])set.Pixels.Clone();
        for (int i = 0; i < set.Count; i++)
        {
            for (int c = 0; c < p.Channels; c++)
            {
                float black = -p.Mean[c] / p.Std[c];
                for (int j = 0; j < plane; j++)
                {
                    int at = (i * p.Channels + c) * plane + j;
                    float opacity = set.Alpha?[i * plane + j] ?? 1f;
                    pixels[at] = black + (pixels[at] - black) * opacity;
                }
            }
        }
        return pixels;
    }

    private static void InitialiseFrom(Sequential model, NetworkPlan plan, string source, string[] classes, ITrainingProgress progress)
    {
        string weights = RunFolder.ResolveWeights(source);
        RunRecord? sourceRun = Directory.Exists(source) && File.Exists(RunFolder.RecordPath(source)) ? RunRecord.Load(source) : null;
        string[]? sourceClasses = sourceRun?.Classes;
        // A network grown from the source's (resnet8 into resnet10) shares its layers, not its head's input width.
        bool grownNetwork = sourceRun is not null && !string.Equals(sourceRun.Architecture.Name, plan.Architecture.Name, StringComparison.OrdinalIgnoreCase);
        bool otherClasses = sourceClasses is not null && !sourceClasses.SequenceEqual(classes);
        bool replaceHead = grownNetwork || otherClasses;
        if (otherClasses && sourceClasses!.Length == classes.Length)
            progress.Log($"--init-from {source}: its classes [{string.Join(", ", sourceClasses)}] differ by name from [{string.Join(", ", classes)}]; the classifier head starts fresh.");
        IReadOnlyList<string> fresh = Checkpoint.Load(model, weights, plan, skipHead: replaceHead);
        string[] grown = [.. fresh.Except(plan.HeadLayers)];
        progress.Log((replaceHead
            ? $"Initialised from {weights}; replaced the classifier head ({string.Join(", ", plan.HeadLayers)}) for {classes.Length} classes."
            : $"Initialised from {weights}.") +
            (grown.Length > 0 ? $" Not in it, so starting fresh: {string.Join(", ", grown)}." : ""));
    }

    private static HashSet<string> Freeze(Sequential model, NetworkPlan plan, string? upTo, ITrainingProgress progress)
    {
        var frozen = new HashSet<string>(StringComparer.Ordinal);
        if (upTo is null) return frozen;
        int last = plan.Layers.ToList().FindIndex(l => l.Name == upTo);
        if (last < 0)
            throw new ArgumentException($"--freeze {upTo}: no such layer; the layers are {string.Join(", ", plan.Layers.Select(l => l.Name))} (see 'edgecnn-train summary').");
        if (plan.Layers.Skip(last + 1).All(l => l.Parameters == 0))
            throw new ArgumentException($"--freeze {upTo}: that would freeze every trainable layer; freeze an earlier one.");
        foreach (PlannedLayer layer in plan.Layers.Take(last + 1)) frozen.Add(layer.Name);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            if (frozen.Contains(name.Split('.')[0])) parameter.requires_grad = false;
        }
        progress.Log($"Froze {frozen.Count} layers ({plan.Layers[0].Name} .. {upTo}); {plan.Layers.Skip(last + 1).Sum(l => l.Parameters):N0} parameters train.");
        return frozen;
    }
}
