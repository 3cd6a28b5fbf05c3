using System.Diagnostics;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Onnx;
using EdgeCnn.Trainer.Reports;
using EdgeCnn.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Training;

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
    public static RunRecord Resume(string runFolder, string command, ITrainingProgress progress, CancellationToken cancellation = default)
    {
        if (Directory.Exists(runFolder)) EpochCommit.Recover(runFolder);
        RunRecord previous = RunRecord.Load(runFolder);
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

        var loading = Stopwatch.StartNew();
        progress.Log($"Loading {options.Data} as {input} tensors ...");
        LoadedData data = DatasetLoader.Load(options.Data, preprocessing, options.ValidationSplit, options.Seed);
        progress.Log($"{data.Description} (prepared in {loading.Elapsed.TotalSeconds:F1} s)");
        if (data.SkippedImages > 0)
            progress.Log($"Skipped {data.SkippedImages} unreadable image(s), for example:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", data.SkippedExamples));
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
        if (previous is null) architecture.Save(Path.Combine(runFolder, "architecture.json"));
        if (previous is null && dataset.Composer is not null)
        {
            ImageSet shown = dataset.Validation.Subset([.. Enumerable.Range(0, Math.Min(48, dataset.Validation.Count))]);
            SampleGrid.Write(Path.Combine(runFolder, "scenes.png"), shown.Pixels, shown.Labels, classes, preprocessing);
            progress.Log($"Wrote {runFolder}/scenes.png: validation scenes as the network sees them.");
        }
        progress.Log($"{architecture.Name}: {plan.Parameters:N0} parameters, {plan.Macs:N0} MACs per image; {classes.Length} classes; device {record.Device}, {threads} threads.");

        int batchesPerEpoch = (dataset.Train.Count + options.BatchSize - 1) / options.BatchSize;
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using OptimizerHelper optimizer = CreateOptimizer(options, trainable);
        optim.lr_scheduler.LRScheduler? scheduler = CreateScheduler(options, optimizer, batchesPerEpoch);

        var history = new List<EpochMetrics>(record.History);
        int startEpoch = record.EpochsCompleted + 1;
        if (previous is not null)
        {
            Checkpoint.Load(model, RunFolder.LastWeights(runFolder), plan);
            // Replay the schedule from the initial rate, then restore the optimizer's moments.
            int stepsDone = options.Schedule == ScheduleKind.OneCycle ? record.EpochsCompleted * batchesPerEpoch : record.EpochsCompleted;
            for (int s = 0; s < stepsDone; s++) scheduler?.step();
            if (File.Exists(RunFolder.LastOptimizer(runFolder))) optimizer.load_state_dict(RunFolder.LastOptimizer(runFolder));
            // The random stream continues where it stopped, so a resumed run equals an uninterrupted one.
            if (File.Exists(RunFolder.LastRandomState(runFolder)))
            {
                using Tensor state = Tensor.load(RunFolder.LastRandomState(runFolder));
                torch.set_rng_state(state);
            }
            progress.Log($"Resuming {runFolder} at epoch {startEpoch} of {options.Epochs} (best validation accuracy so far {record.BestValidationAccuracy:P2} at epoch {record.BestEpoch}).");
        }

        using Tensor trainImages = ToTensor(dataset.Train);
        using Tensor trainLabels = torch.tensor(dataset.Train.Labels);
        var augmenter = new Augmenter(options.Augmentation, preprocessing, dataset.Composer);
        double seconds = record.TrainingSeconds;
        int bestEpoch = record.BestEpoch;
        double bestAccuracy = record.BestValidationAccuracy;
        bool stoppedEarly = false;

        for (int epoch = startEpoch; epoch <= options.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            double learningRate = optimizer.ParamGroups.First().LearningRate;
            (double trainLoss, double trainAccuracy, double trainSeconds) = TrainEpoch(model, frozen, optimizer, options.Schedule == ScheduleKind.OneCycle ? scheduler : null,
                augmenter, trainImages, trainLabels, options, device, epoch, batchesPerEpoch, progress, cancellation);
            if (options.Schedule is ScheduleKind.Step or ScheduleKind.Cosine) scheduler?.step();

            Evaluator.Result validation = Evaluator.Evaluate(model, dataset.Validation, device, options.Loss);
            clock.Stop();
            seconds += clock.Elapsed.TotalSeconds;
            var metrics = new EpochMetrics(epoch, learningRate, trainLoss, trainAccuracy, validation.Loss, validation.Confusion.Accuracy,
                clock.Elapsed.TotalSeconds, dataset.Train.Count / trainSeconds);
            history.Add(metrics);

            // The first epoch always counts, so best.pt exists even if validation accuracy never rises above 0.
            bool improved = bestEpoch == 0 || validation.Confusion.Accuracy > bestAccuracy;
            if (improved)
            {
                bestAccuracy = validation.Confusion.Accuracy;
                bestEpoch = epoch;
            }
            // The epoch's checkpoint files and run.json change together, so a kill between them cannot leave last.pt
            // an epoch ahead of the record that --resume starts from.
            var commit = new EpochCommit(runFolder);
            if (improved) commit.Write(RunFolder.BestWeights(runFolder), path => model.save(path));
            commit.Write(RunFolder.LastWeights(runFolder), path => model.save(path));
            commit.Write(RunFolder.LastOptimizer(runFolder), path => optimizer.save_state_dict(path));
            commit.Write(RunFolder.LastRandomState(runFolder), path =>
            {
                using Tensor state = torch.get_rng_state();
                state.save(path);
            });

            stoppedEarly = options.Patience > 0 && epoch - bestEpoch >= options.Patience && epoch < options.Epochs;
            record = record with
            {
                EpochsCompleted = epoch,
                BestEpoch = bestEpoch,
                BestValidationAccuracy = bestAccuracy,
                TrainingSeconds = seconds,
                History = [.. history],
                StoppedEarly = stoppedEarly,
            };
            commit.Commit(record);
            progress.EpochCompleted(metrics, improved);
            MetricsCsv.Write(RunFolder.Metrics(runFolder), history);
            Plots.Curves(RunFolder.Curves(runFolder), history, $"{architecture.Name} on {Path.GetFileName(options.Data.TrimEnd('/'))}");
            if (stoppedEarly)
            {
                progress.Log($"Stopping early: no better validation accuracy for {options.Patience} epochs (best {bestAccuracy:P2} at epoch {bestEpoch}).");
                break;
            }
        }

        // The report describes the best checkpoint, on the test set when the dataset has one.
        Checkpoint.Load(model, RunFolder.BestWeights(runFolder), plan);
        return Conclude(model, plan, dataset, record, runFolder, device, progress);
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
        int verifyCount = Math.Min(32, reportSet.Count);
        ModelExport.Result exported = ModelExport.Write(plan, model, record, reportSet.Pixels.AsSpan(0, verifyCount * preprocessing.TensorLength).ToArray(),
            verifyCount, $"{reportSplit} images", RunFolder.Model(runFolder), OutputKind.Logits);
        progress.Log($"Exported {exported.ModelPath} and {Path.GetFileName(exported.ManifestPath)} (ONNX Runtime matches TorchSharp to {exported.Comparison.MaxAbsDifference:G2}).");
        string testFigure = dataset.Test is null ? "" : $"; {reportSplit} accuracy {final.Confusion.Accuracy:P2}" + (cleanTest is double clean ? $", clean test accuracy {clean:P2}" : "");
        progress.Log($"Best epoch {bestEpoch}: validation accuracy {bestAccuracy:P2}{testFigure}. Wrote {runFolder}/report.md, curves.png, confusion.png.");
        return record;
    }

    /// <returns>Mean loss and accuracy over the epoch, and the seconds spent in training steps alone.</returns>
    private static (double Loss, double Accuracy, double Seconds) TrainEpoch(Sequential model, HashSet<string> frozen, OptimizerHelper optimizer, optim.lr_scheduler.LRScheduler? perBatchScheduler,
        Augmenter augmenter, Tensor images, Tensor labels, TrainOptions options, Device device, int epoch, int batches,
        ITrainingProgress progress, CancellationToken cancellation)
    {
        model.train();
        foreach ((string name, nn.Module child) in model.named_children())
        {
            // Frozen batch-norm layers keep their running statistics too.
            if (frozen.Contains(name)) child.eval();
        }
        long count = images.shape[0];
        double lossSum = 0;
        long correct = 0, seen = 0;
        var clock = Stopwatch.StartNew();
        using Tensor order = torch.randperm(count);
        progress.RunEpoch(epoch, options.Epochs, batches, report =>
        {
            for (int b = 0; b < batches; b++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                long start = (long)b * options.BatchSize, size = Math.Min(options.BatchSize, count - start);
                Tensor index = order.narrow(0, start, size);
                (Tensor x, Tensor y) = augmenter.Apply(images.index_select(0, index).to(device), labels.index_select(0, index).to(device));
                optimizer.zero_grad();
                Tensor logits = model.forward(x);
                Tensor loss = LossFunction.Compute(options.Loss, logits, y, options.LabelSmoothing);
                loss.backward();
                optimizer.step();
                perBatchScheduler?.step();
                lossSum += loss.item<float>() * size;
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += size;
                report(new BatchStatus(b + 1, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds));
            }
        });
        return (lossSum / seen, (double)correct / seen, clock.Elapsed.TotalSeconds);
    }

    private static Tensor ToTensor(ImageSet set)
    {
        PreprocessingSpec p = set.Preprocessing;
        return torch.tensor(set.Pixels, [set.Count, p.Channels, p.Height, p.Width]);
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

    private static OptimizerHelper CreateOptimizer(TrainOptions options, IEnumerable<Parameter> parameters) => options.Optimizer switch
    {
        OptimizerKind.Sgd => torch.optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay, nesterov: options.Nesterov),
        OptimizerKind.Adam => torch.optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        _ => torch.optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
    };

    private static optim.lr_scheduler.LRScheduler? CreateScheduler(TrainOptions options, OptimizerHelper optimizer, int batchesPerEpoch) => options.Schedule switch
    {
        ScheduleKind.Step => torch.optim.lr_scheduler.StepLR(optimizer, options.StepSize, options.Gamma),
        ScheduleKind.Cosine => torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, options.Epochs),
        ScheduleKind.OneCycle => torch.optim.lr_scheduler.OneCycleLR(optimizer, options.LearningRate, total_steps: options.Epochs * batchesPerEpoch,
            cycle_momentum: options.Optimizer == OptimizerKind.Sgd && options.Momentum > 0),
        _ => null,
    };

    private static void InitialiseFrom(Sequential model, NetworkPlan plan, string source, string[] classes, ITrainingProgress progress)
    {
        string weights = RunFolder.ResolveWeights(source);
        string[]? sourceClasses = Directory.Exists(source) && File.Exists(RunFolder.RecordPath(source)) ? RunRecord.Load(source).Classes : null;
        bool replaceHead = sourceClasses is null ? false : !sourceClasses.SequenceEqual(classes);
        if (sourceClasses is not null && sourceClasses.Length == classes.Length && replaceHead)
            progress.Log($"--init-from {source}: its classes [{string.Join(", ", sourceClasses)}] differ by name from [{string.Join(", ", classes)}]; the classifier head starts fresh.");
        Checkpoint.Load(model, weights, plan, skipHead: replaceHead);
        progress.Log(replaceHead
            ? $"Initialised from {weights}; replaced the classifier head ({string.Join(", ", plan.HeadLayers)}) for {classes.Length} classes."
            : $"Initialised from {weights}.");
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
