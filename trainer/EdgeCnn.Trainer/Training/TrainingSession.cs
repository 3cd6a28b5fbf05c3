using System.Diagnostics;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Training;

/// <summary>
/// What one run trains with, epoch after epoch: the network and its frozen layers, the optimizer and its schedule,
/// the augmenter and the training tensors. It trains an epoch, writes an epoch's checkpoint files, and continues
/// from them; the run around it decides what to keep and what to report. Owns the optimizer and the tensors it made,
/// not the network.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly Sequential _model;
    private readonly NetworkPlan _plan;
    private readonly HashSet<string> _frozen;
    private readonly TrainOptions _options;
    private readonly Device _device;
    private readonly OptimizerHelper _optimizer;
    private readonly optim.lr_scheduler.LRScheduler? _scheduler;
    private readonly Augmenter _augmenter;
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly Tensor? _alpha;
    private readonly int _batches;

    public TrainingSession(Sequential model, NetworkPlan plan, HashSet<string> frozen, TrainOptions options, RunDataset dataset, PreprocessingSpec preprocessing, Device device)
    {
        _model = model;
        _plan = plan;
        _frozen = frozen;
        _options = options;
        _device = device;
        _batches = (dataset.Train.Count + options.BatchSize - 1) / options.BatchSize;
        _optimizer = CreateOptimizer(options, model.parameters().Where(p => p.requires_grad));
        _scheduler = CreateScheduler(options, _optimizer, _batches);
        PreprocessingSpec p = dataset.Train.Preprocessing;
        _images = torch.tensor(dataset.Train.Pixels, [dataset.Train.Count, p.Channels, p.Height, p.Width]);
        _labels = torch.tensor(dataset.Train.Labels);
        _alpha = dataset.Train.Alpha is null ? null : torch.tensor(dataset.Train.Alpha, [dataset.Train.Count, 1, p.Height, p.Width]);
        _augmenter = new Augmenter(options.Augmentation, preprocessing, dataset.Composer);
    }

    /// <summary>The learning rate the next epoch starts with.</summary>
    public double LearningRate => _optimizer.ParamGroups.First().LearningRate;

    /// <summary>
    /// Continues after <paramref name="epochsCompleted"/> epochs from the last checkpoint in <paramref name="runFolder"/>:
    /// its weights, the schedule replayed from the initial rate, the optimizer's moments and the random stream, so that
    /// the continued run equals an uninterrupted one.
    /// </summary>
    public void ContinueFrom(string runFolder, int epochsCompleted)
    {
        Checkpoint.Load(_model, RunFolder.LastWeights(runFolder), _plan);
        int stepsDone = _options.Schedule == ScheduleKind.OneCycle ? epochsCompleted * _batches : epochsCompleted;
        for (int s = 0; s < stepsDone; s++) _scheduler?.step();
        if (File.Exists(RunFolder.LastOptimizer(runFolder))) _optimizer.load_state_dict(RunFolder.LastOptimizer(runFolder));
        if (File.Exists(RunFolder.LastRandomState(runFolder)))
        {
            using Tensor state = Tensor.load(RunFolder.LastRandomState(runFolder));
            torch.set_rng_state(state);
        }
    }

    /// <summary>Trains one epoch; mean loss and accuracy over it, and the seconds spent in training steps alone.</summary>
    public (double Loss, double Accuracy, double Seconds) TrainEpoch(int epoch, ITrainingProgress progress, CancellationToken cancellation)
    {
        _model.train();
        foreach ((string name, nn.Module child) in _model.named_children())
        {
            // Frozen batch-norm layers keep their running statistics too.
            if (_frozen.Contains(name)) child.eval();
        }
        long count = _images.shape[0];
        double lossSum = 0;
        long correct = 0, seen = 0;
        var clock = Stopwatch.StartNew();
        using Tensor order = EpochOrder.Draw(_labels, _options.Balance);
        progress.RunEpoch(epoch, _options.Epochs, _batches, report =>
        {
            for (int b = 0; b < _batches; b++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                long start = (long)b * _options.BatchSize, size = Math.Min(_options.BatchSize, count - start);
                Tensor index = order.narrow(0, start, size);
                (Tensor x, Tensor y) = _augmenter.Apply(_images.index_select(0, index).to(_device), _labels.index_select(0, index).to(_device),
                    _alpha?.index_select(0, index).to(_device));
                _optimizer.zero_grad();
                Tensor logits = _model.forward(x);
                Tensor loss = LossFunction.Compute(_options.Loss, logits, y, _options.LabelSmoothing);
                loss.backward();
                _optimizer.step();
                if (_options.Schedule == ScheduleKind.OneCycle) _scheduler?.step();
                lossSum += loss.item<float>() * size;
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += size;
                report(new BatchStatus(b + 1, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds));
            }
        });
        double seconds = clock.Elapsed.TotalSeconds;
        if (_options.Schedule is ScheduleKind.Step or ScheduleKind.Cosine) _scheduler?.step();
        return (lossSum / seen, (double)correct / seen, seconds);
    }

    /// <summary>Writes the epoch's checkpoint files into <paramref name="commit"/>: best.pt when it improved, last.pt, the optimizer's and the random state.</summary>
    public void WriteCheckpoint(EpochCommit commit, string runFolder, bool improved)
    {
        if (improved) commit.Write(RunFolder.BestWeights(runFolder), path => _model.save(path));
        commit.Write(RunFolder.LastWeights(runFolder), path => _model.save(path));
        commit.Write(RunFolder.LastOptimizer(runFolder), path => _optimizer.save_state_dict(path));
        commit.Write(RunFolder.LastRandomState(runFolder), path =>
        {
            using Tensor state = torch.get_rng_state();
            state.save(path);
        });
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

    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
        _alpha?.Dispose();
        _optimizer.Dispose();
    }
}
