using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Runs;
using EdgeCnn.Trainer.Training;
using TorchSharp.Modules;
using TorchSharp;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public sealed class TrainingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public TrainingTests() => ShapesDataset.Write(_folder["shapes"], perClass: 60, size: 28);

    public void Dispose() => _folder.Dispose();

    // ResNet-8's global-average-pool head learns randomly placed shapes from a few dozen images; the flatten+dense
    // head of convnet-2x64 is used where only the mechanics matter (and its layer names are asserted).
    private TrainOptions Options(int epochs, string architecture = "convnet-2x64") => new()
    {
        Data = _folder["shapes"],
        Architecture = architecture,
        Epochs = epochs,
        BatchSize = 16,
        Optimizer = OptimizerKind.Adamw,
        LearningRate = 0.002,
        Schedule = ScheduleKind.OneCycle,
        ValidationSplit = 0.2,
        Augmentation = new AugmentationOptions { Shift = 0.1, Flip = true },
        Seed = 11,
        Threads = 2,
        Device = "cpu",
    };

    [Fact]
    public void A_short_run_on_generated_shapes_learns_them_and_writes_its_report()
    {
        string run = _folder["run"];
        var progress = new RecordingProgress();

        RunRecord record = TrainingRun.Train(Options(epochs: 12, "resnet8"), run, "edgecnn-train train (test)", progress);

        Assert.True(record.BestValidationAccuracy >= 0.9, $"best validation accuracy {record.BestValidationAccuracy:P1}; " + string.Join(" ", progress.Epochs.Select(e => $"{e.TrainLoss:F3}/{e.TrainAccuracy:P0}/{e.ValidationAccuracy:P0}")));
        Assert.True(record.Finished);
        Assert.Equal(12, progress.Epochs.Count);
        Assert.True(progress.Epochs[^1].TrainLoss < progress.Epochs[0].TrainLoss);
        foreach (string file in new[] { "run.json", "best.pt", "last.pt", "metrics.csv", "curves.png", "confusion.png", "report.md", "architecture.json", "filters.png", "gradcam.png" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        Assert.Equal(13, File.ReadAllLines(RunFolder.Metrics(run)).Length);
        string report = File.ReadAllText(RunFolder.Report(run));
        Assert.Contains("## What the layers see", report);
        Assert.Contains("![first-layer filters](filters.png)", report);
        Assert.Contains("![Grad-CAM](gradcam.png)", report);
        Assert.Contains("| triangle |", report);
        Assert.Contains("edgecnn-train train (test)", report);
        Assert.Contains($"{record.Parameters:N0}", report);
    }

    [Fact]
    public void A_resumed_run_continues_exactly_where_the_interrupted_one_stopped()
    {
        TrainOptions options = Options(epochs: 4);
        var straight = new RecordingProgress();
        TrainingRun.Train(options, _folder["straight"], "test", straight);

        using var cancel = new CancellationTokenSource();
        var interrupted = new RecordingProgress(cancel, cancelAfterEpoch: 2);
        Assert.ThrowsAny<OperationCanceledException>(() => TrainingRun.Train(options, _folder["resumed"], "test", interrupted, cancel.Token));
        Assert.Equal(2, RunRecord.Load(_folder["resumed"]).EpochsCompleted);

        var resumed = new RecordingProgress();
        RunRecord record = TrainingRun.Resume(_folder["resumed"], "test", resumed);

        Assert.Equal([3, 4], resumed.Epochs.Select(e => e.Epoch));
        Assert.Equal(4, record.History.Count);
        // Same seed, same data: the interrupted-and-resumed run matches the uninterrupted one epoch for epoch.
        Assert.Equal(straight.Epochs.Select(e => e.TrainLoss), record.History.Select(e => e.TrainLoss));
        Assert.Equal(straight.Epochs.Select(e => e.ValidationAccuracy), record.History.Select(e => e.ValidationAccuracy));
        Assert.Throws<InvalidOperationException>(() => TrainingRun.Resume(_folder["resumed"], "test", resumed));
    }

    [Theory]
    [InlineData("last.pt")]
    [InlineData("run.json")]
    public void A_run_killed_while_writing_an_epochs_checkpoint_resumes_exactly_as_if_uninterrupted(string killedAfter)
    {
        TrainOptions options = Options(epochs: 3);
        var straight = new RecordingProgress();
        TrainingRun.Train(options, _folder["straight"], "test", straight);

        // The process dies (kill -9: nothing after this point runs) right after epoch 2 wrote last.pt, before
        // run.json; or right after run.json, before the files were put in place.
        string run = _folder["killed"];
        EpochCommit.Written = path =>
        {
            if (Path.GetFileName(path) == killedAfter && File.Exists(RunFolder.RecordPath(run)) && RunRecord.Load(run).EpochsCompleted == 1)
                throw new SimulatedKill();
        };
        try
        {
            Assert.Throws<SimulatedKill>(() => TrainingRun.Train(options, run, "test", new RecordingProgress()));
        }
        finally
        {
            EpochCommit.Written = null;
        }

        RunRecord record = TrainingRun.Resume(run, "test", new RecordingProgress());

        Assert.Equal(straight.Epochs.Select(e => e.TrainLoss), record.History.Select(e => e.TrainLoss));
        Assert.Equal(straight.Epochs.Select(e => e.ValidationAccuracy), record.History.Select(e => e.ValidationAccuracy));
        Assert.Empty(Directory.GetFiles(run, "*.next"));
    }

    [Fact]
    public void A_run_written_by_another_trainer_version_is_not_resumed_without_force()
    {
        TrainOptions options = Options(epochs: 2);
        string run = _folder["older"];
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() => TrainingRun.Train(options, run, "test", new RecordingProgress(cancel, cancelAfterEpoch: 1), cancel.Token));
        (RunRecord.Load(run) with { TrainerVersion = "0.0.1" }).Save(run);

        var refused = Assert.Throws<InvalidDataException>(() => TrainingRun.Resume(run, "test", new RecordingProgress()));

        Assert.Contains($"{run} was written by edgecnn-train 0.0.1; this is {EdgeCnn.Trainer.TrainerInfo.Version}", refused.Message);
        Assert.Contains("--force", refused.Message);
        Assert.Equal(2, TrainingRun.Resume(run, "test", new RecordingProgress(), force: true).EpochsCompleted);
    }

    [Fact]
    public void A_disk_that_fills_during_the_first_epoch_leaves_no_half_epoch_and_says_to_train_again()
    {
        // A real full file system: the run folder on a 1 MB tmpfs, too small for the first checkpoint.
        string run = Directory.CreateDirectory(_folder["small-disk"]).FullName;
        using (var mount = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", run])!)
        {
            mount.WaitForExit();
            Assert.True(mount.ExitCode == 0, "mounting a tmpfs needs root (the tests run as root, as CI does)");
        }
        try
        {
            var full = Assert.Throws<IOException>(() => TrainingRun.Train(Options(epochs: 2), run, "test", new RecordingProgress()));

            Assert.Contains($"{run}: epoch 1 could not be saved", full.Message);
            Assert.Contains("No epoch is saved yet: free some space and train again with the same command.", full.Message);
            Assert.Empty(Directory.GetFiles(run, "*.next"));
            var resume = Assert.Throws<FileNotFoundException>(() => TrainingRun.Resume(run, "test", new RecordingProgress()));
            Assert.Contains("the run stopped before its first epoch was saved", resume.Message);
        }
        finally
        {
            System.Diagnostics.Process.Start("umount", [run])!.WaitForExit();
        }
    }

    private sealed class SimulatedKill : Exception;

    [Fact]
    public void Init_from_replaces_the_head_for_new_classes_and_freeze_keeps_layers_fixed()
    {
        TrainingRun.Train(Options(epochs: 2), _folder["source"], "test", new RecordingProgress());

        // A new two-class task from the same kind of images.
        string target = _folder["two-shapes"];
        Directory.CreateDirectory(target);
        foreach (string name in new[] { "circle", "square" })
            CopyFolder(Path.Combine(_folder["shapes"], name), Path.Combine(target, name == "circle" ? "round" : "boxy"));

        var progress = new RecordingProgress();
        TrainOptions options = Options(epochs: 2) with { Data = target, InitFrom = _folder["source"], Freeze = "conv_2" };
        RunRecord record = TrainingRun.Train(options, _folder["adapted"], "test", progress);

        Assert.Contains(progress.Lines, l => l.Contains("replaced the classifier head (dense_2)"));
        Assert.Contains(progress.Lines, l => l.Contains("Froze 4 layers"));
        NetworkPlan source = NetworkPlan.Create(record.Architecture, record.Input, 3);
        NetworkPlan adapted = NetworkPlan.Create(record.Architecture, record.Input, 2);
        using Sequential before = NetworkBuilder.Build(source);
        using Sequential after = NetworkBuilder.Build(adapted);
        Checkpoint.Load(before, RunFolder.BestWeights(_folder["source"]), source);
        Checkpoint.Load(after, RunFolder.LastWeights(_folder["adapted"]), adapted);
        var old = before.state_dict();
        var now = after.state_dict();
        Assert.True(now["conv_1.weight"].eq(old["conv_1.weight"]).all().item<bool>(), "frozen conv_1 changed");
        Assert.True(now["conv_2.bias"].eq(old["conv_2.bias"]).all().item<bool>(), "frozen conv_2 changed");
        Assert.False(now["dense_1.weight"].eq(old["dense_1.weight"]).all().item<bool>(), "unfrozen dense_1 did not train");
        Assert.Equal([2L, 128L], now["dense_2.weight"].shape);
    }

    [Fact]
    public void A_network_grown_by_a_block_takes_every_layer_it_shares_with_a_smaller_ones_weights()
    {
        RunRecord record = TrainingRun.Train(Options(epochs: 1, "resnet8"), _folder["small"], "test", new RecordingProgress());
        NetworkPlan small = NetworkPlan.Create(record.Architecture, record.Input, 3);
        NetworkPlan grown = NetworkPlan.Create(Presets.TryGet("resnet10", out var g) ? g : throw new InvalidOperationException(), record.Input, 2);
        using Sequential before = NetworkBuilder.Build(small);
        using Sequential after = NetworkBuilder.Build(grown);
        Checkpoint.Load(before, RunFolder.BestWeights(_folder["small"]), small);

        IReadOnlyList<string> fresh = Checkpoint.Load(after, RunFolder.BestWeights(_folder["small"]), grown, skipHead: true);

        Assert.Equal(["residual_4", "dense_1"], fresh);
        var old = before.state_dict();
        var now = after.state_dict();
        foreach (string name in old.Keys.Where(k => !k.StartsWith("dense_1.", StringComparison.Ordinal)))
            Assert.True(now[name].eq(old[name]).all().item<bool>(), $"{name} was not loaded");
    }

    [Fact]
    public void Init_from_a_smaller_network_with_the_same_classes_starts_the_head_and_the_new_block_fresh_and_says_so()
    {
        TrainingRun.Train(Options(epochs: 1, "resnet8"), _folder["small"], "test", new RecordingProgress());
        var progress = new RecordingProgress();

        TrainingRun.Train(Options(epochs: 1, "resnet10") with { InitFrom = _folder["small"] }, _folder["grown"], "test", progress);

        Assert.Contains(progress.Lines, l => l.Contains("replaced the classifier head (dense_1)") && l.Contains("Not in it, so starting fresh: residual_4."));
        Assert.DoesNotContain(progress.Lines, l => l.Contains("differ by name")); // the classes are the same
    }

    [Fact]
    public void Freezing_an_unknown_layer_lists_the_real_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingRun.Train(Options(1) with { Freeze = "conv_9" }, _folder["x"], "test", new RecordingProgress()));
        Assert.Contains("conv_9", error.Message);
        Assert.Contains("maxpool_2", error.Message);
    }

    [Fact]
    public void A_corrupt_or_mismatched_checkpoint_is_refused_with_its_path()
    {
        Assert.True(Presets.TryGet("lenet5", out ArchitectureSpec? spec));
        NetworkPlan plan = NetworkPlan.Create(spec, new InputShape(1, 28, 28), 10);
        using Sequential model = NetworkBuilder.Build(plan);
        File.WriteAllBytes(_folder["garbage.pt"], [1, 2, 3, 4, 5]);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(model, _folder["garbage.pt"], plan));
        Assert.Contains("garbage.pt", error.Message);

        NetworkPlan other = NetworkPlan.Create(spec, new InputShape(1, 28, 28), 4);
        using Sequential smaller = NetworkBuilder.Build(other);
        smaller.save(_folder["four-classes.pt"]);
        error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(model, _folder["four-classes.pt"], plan));
        Assert.Contains("four-classes.pt", error.Message);
        Assert.Contains("lenet5", error.Message);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
