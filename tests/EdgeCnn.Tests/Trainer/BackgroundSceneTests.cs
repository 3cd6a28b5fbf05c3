using EdgeCnn.Device.Cli;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Runs;
using EdgeCnn.Trainer.Scene;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace EdgeCnn.Tests.Trainer;

/// <summary>
/// The background class end to end: shapes on black, trained tiny with scene augmentation onto "photos" of a desk,
/// exported, and the device run on a camera-like clip of that desk with empty stretches between the shapes.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class BackgroundSceneTests : IDisposable
{
    private const int FrameWidth = 96, FrameHeight = 96;
    private static readonly Lazy<(string Model, string Photos)> Trained = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly TempFolder Shared = new();
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Blotchy grey surfaces, darker than the shapes, as photos of an empty desk would be.
    private static Mat Desk(Random random)
    {
        using var cells = new Mat(4, 5, MatType.CV_8UC3);
        Cv2.Randu(cells, Scalar.All(10), Scalar.All(110));
        var desk = new Mat();
        Cv2.Resize(cells, desk, new Size(FrameWidth, FrameHeight), 0, 0, InterpolationFlags.Cubic);
        using var grain = new Mat(FrameHeight, FrameWidth, MatType.CV_8UC3);
        Cv2.Randu(grain, Scalar.All(0), Scalar.All(20));
        Cv2.Add(desk, grain, desk);
        return desk;
    }

    // A large shape on black: bright ink, everything else exactly 0, so the trainer cuts it out by its own pixels.
    private static Mat Item(int shape, Random random)
    {
        const int size = 40;
        var item = new Mat(size, size, MatType.CV_8UC1, Scalar.All(0));
        int r = random.Next(13, 18), cx = size / 2 + random.Next(-2, 3), cy = size / 2 + random.Next(-2, 3);
        Scalar ink = Scalar.All(random.Next(150, 256));
        switch (shape)
        {
            case 0:
                Cv2.Circle(item, new Point(cx, cy), r, ink, -1);
                break;
            case 1:
                Cv2.Rectangle(item, new Rect(cx - r, cy - r, 2 * r, 2 * r), ink, -1);
                break;
            default:
                Cv2.FillConvexPoly(item, [new Point(cx, cy - r), new Point(cx - r, cy + r), new Point(cx + r, cy + r)], ink);
                break;
        }
        return item;
    }

    private static (string Model, string Photos) Train()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Shared.Dispose();
        // OpenCV's global random generator draws the desks' blotches and grain: seeded, whatever ran before.
        Cv2.SetTheRNG(4);
        var random = new Random(4);
        string data = Shared["items"], photos = Shared["desk"];
        for (int c = 0; c < ShapesDataset.Classes.Length; c++)
        {
            Directory.CreateDirectory(Path.Combine(data, ShapesDataset.Classes[c]));
            for (int i = 0; i < 150; i++)
            {
                using Mat item = Item(c, random);
                Cv2.ImWrite(Path.Combine(data, ShapesDataset.Classes[c], $"{i:D3}.png"), item);
            }
        }
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 8; i++)
        {
            using Mat desk = Desk(random);
            Cv2.ImWrite(Path.Combine(photos, $"desk{i}.png"), desk);
        }
        var options = new TrainOptions
        {
            Data = data,
            Architecture = "convnet-2x64",
            Input = new InputShape(1, 28, 28),
            Epochs = 30,
            BatchSize = 32,
            LearningRate = 0.003,
            ValidationSplit = 0.2,
            Augmentation = new AugmentationOptions { Shift = 0, Flip = true },
            Scene = new SceneOptions { BackgroundImages = photos, MinScale = 0.45, MaxScale = 0.9, Rotate = 15, BackgroundFraction = 0.25, MaskItems = true },
            Seed = 3,
            Threads = 2,
        };
        string run = Shared["run"];
        TrainingRun.Train(options, run, "test", new RecordingProgress());
        return (Path.Combine(run, "model.onnx"), photos);
    }

    /// <summary>A clip of one desk: empty, then each shape somewhere on it, empty again between them.</summary>
    private static string WriteClip(string path, int[] shapes, int frames)
    {
        Cv2.SetTheRNG(9);
        var random = new Random(9);
        using Mat desk = Desk(random);
        using var writer = new VideoWriter(path, FourCC.MJPG, 12, new Size(FrameWidth, FrameHeight));
        var truth = new List<string> { "first_frame,last_frame,label" };
        int frame = 0;
        using var scene = new Mat();
        void Show(Mat image, string label)
        {
            for (int f = 0; f < frames; f++)
            {
                using var noisy = image.Clone();
                using var noise = new Mat(FrameHeight, FrameWidth, MatType.CV_8UC3);
                Cv2.Randu(noise, Scalar.All(0), Scalar.All(12));
                Cv2.Add(noisy, noise, noisy);
                writer.Write(noisy);
            }
            truth.Add($"{frame},{frame + frames - 1},{label}");
            frame += frames;
        }
        foreach (int shape in shapes)
        {
            Show(desk, ClipTruth.EmptyLabel);
            using Mat item = Item(shape, random);
            int side = random.Next(60, 86);
            using var sized = new Mat();
            Cv2.Resize(item, sized, new Size(side, side), 0, 0, InterpolationFlags.Linear);
            using var colour = new Mat();
            Cv2.CvtColor(sized, colour, ColorConversionCodes.GRAY2BGR);
            desk.CopyTo(scene);
            var place = new Rect(random.Next(0, FrameWidth - side), random.Next(0, FrameHeight - side), side, side);
            using (var target = new Mat(scene, place)) colour.CopyTo(target, sized);
            Show(scene, ShapesDataset.Classes[shape]);
        }
        Show(desk, ClipTruth.EmptyLabel);
        File.WriteAllLines(Path.ChangeExtension(path, ".truth.csv"), truth);
        return path;
    }

    private string Config(string clip, params object[] rules) => DeviceConfigFile.Write(_folder["device.json"], new
    {
        Model = new { Path = Trained.Value.Model, IntraOpThreads = 1 },
        Source = new { Type = "file", Path = clip, TruthFile = Path.ChangeExtension(clip, ".truth.csv"), Realtime = false, StopAtEnd = true },
        Gpio = new { Driver = "simulated" },
        Outputs = new object[] { new { Name = "led", Type = "Led", Pin = 17 }, new { Name = "buzzer", Type = "ActiveBuzzer", Pin = 27 } },
        Rules = rules,
    });

    [Fact]
    public void The_manifest_names_the_added_background_class_and_a_calibrated_threshold()
    {
        ModelManifest manifest = ModelManifest.Load(Path.ChangeExtension(Trained.Value.Model, ".json"));
        Assert.Equal([.. ShapesDataset.Classes, "background"], manifest.Labels);
        Assert.Equal("background", manifest.BackgroundLabel);
        Assert.NotNull(manifest.OpenSet);
        Assert.InRange(manifest.OpenSet.Threshold, 0.05f, 0.999f);
        Assert.Contains("validation", manifest.OpenSet.CalibratedOn);
        string report = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Trained.Value.Model)!, "report.md"));
        Assert.Contains("| background |", report);
        Assert.Contains("false-alarm rate", report);
    }

    [Fact]
    public void The_threshold_is_calibrated_on_the_validation_split_alone()
    {
        string run = Path.GetDirectoryName(Trained.Value.Model)!;
        RunRecord record = RunRecord.Load(run);
        NetworkPlan plan = NetworkPlan.Create(record.Architecture, record.Input, record.Classes.Length);
        using TorchSharp.Modules.Sequential model = NetworkBuilder.Build(plan);
        Checkpoint.Load(model, RunFolder.BestWeights(run), plan);
        var data = EdgeCnn.Trainer.Data.DatasetLoader.Load(record.Options.Data, record.Preprocessing, record.Options.ValidationSplit, record.Options.Seed);
        // The run seeded torch before it made its textures and scenes; so does this.
        TorchSharp.torch.manual_seed(record.Options.Seed);
        using RunDataset dataset = RunDataset.Prepare(record.Options, data, record.Preprocessing, new RecordingProgress());

        float Calibrated(EdgeCnn.Trainer.Data.ImageSet set) =>
            OpenSetCalibration.Calibrate(set, Evaluator.Evaluate(model, set, TorchSharp.torch.CPU, record.Options.Loss), dataset.BackgroundIndex, "").Threshold;
        // The same scenes as in training (their own seed), the same threshold: the validation split's, to the last digit.
        Assert.Equal(Calibrated(dataset.Validation), record.OpenSet!.Threshold);
        // Calibrated on the training images instead, it would differ.
        Assert.NotEqual(Calibrated(dataset.Train), record.OpenSet.Threshold);
    }

    [Fact]
    public async Task On_a_scene_clip_every_shape_triggers_its_rule_and_the_empty_desk_triggers_nothing()
    {
        string clip = WriteClip(_folder["desk.avi"], [0, 1, 2, 0, 1, 2], frames: 12);
        string config = Config(clip,
            DeviceConfigFile.Rule("circle-led", "circle", "led", threshold: 0.5, cooldown: "00:00:00"),
            DeviceConfigFile.Rule("square-buzzer", "square", "buzzer", threshold: 0.5, cooldown: "00:00:00"),
            DeviceConfigFile.Rule("triangle-led", "triangle", "led", threshold: 0.5, cooldown: "00:00:00"));
        var log = new CapturingLoggerProvider();
        using IHost host = DeviceHost.Build(config, builder => builder.Logging.AddProvider(log), systemFile: null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await host.StartAsync(timeout.Token);
        await host.WaitForShutdownAsync(timeout.Token);

        ClassTally tally = host.Services.GetRequiredService<DeviceRuntime>().Tally!;
        ClassTally.EventScore events = tally.Events()!;
        string table = string.Join(Environment.NewLine, tally.Table().Concat(log.EventLines()));
        Assert.True(events.OnEmpty == 0, $"triggers on the empty desk:{Environment.NewLine}{table}");
        Assert.True(events.ItemsTriggered == 6, $"not every shape triggered its rule:{Environment.NewLine}{table}");
        Assert.Equal(events.Triggers, events.TrueTriggers);
        Assert.Contains(log.Entries, entry => entry.Message.StartsWith("first frame classified (nothing"));
    }

    [Fact]
    public async Task Tune_scores_the_configured_threshold_as_the_service_scored_the_same_clip()
    {
        // A cooldown that ends about half a second before the second square and circle come (at the clip's 12 fps), so
        // that frame times at any other rate would change what triggers.
        string clip = WriteClip(_folder["tune.avi"], [1, 0, 2, 1, 0], frames: 12);
        string config = Config(clip,
            DeviceConfigFile.Rule("circle-led", "circle", "led", threshold: 0.6, cooldown: "00:00:04.5"),
            DeviceConfigFile.Rule("square-buzzer", "square", "buzzer", threshold: 0.6, cooldown: "00:00:04.5"));
        using (IHost host = DeviceHost.Build(config, builder => builder.Logging.ClearProviders(), systemFile: null))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await host.StartAsync(timeout.Token);
            await host.WaitForShutdownAsync(timeout.Token);
            ClassTally tally = host.Services.GetRequiredService<DeviceRuntime>().Tally!;
            ClassTally.EventScore service = tally.Events()!;
            (long shown, long right) = tally.Score();

            var output = new StringWriter();
            Assert.Equal(0, TuneCommand.Run(config, [0.3f, 0.6f, 0.99f], output, TextWriter.Null, CancellationToken.None));
            // The row at the configured threshold: threshold, release, triggers, precision, recall (items of watched), on empty, latency.
            string row = output.ToString().Split('\n').Single(line => line.TrimStart().StartsWith("0.60", StringComparison.Ordinal));
            string expected = FormattableString.Invariant($"{service.Triggers} {service.Precision:0.00} {service.Recall:0.00} ({service.ItemsTriggered} of {service.WatchedItems}) {service.OnEmpty} {service.MeanLatencyFrames:0.0}");
            Assert.Contains(expected, System.Text.RegularExpressions.Regex.Replace(row, " +", " "));
            Assert.Contains(FormattableString.Invariant($"{100.0 * right / shown:0.0} % of the frames right"), output.ToString());
            Assert.Contains("suggested:", output.ToString());
        }
    }

    [Fact]
    public void A_rule_on_the_background_class_is_a_configuration_error_and_check_sees_nothing_in_a_blank_frame()
    {
        string clip = WriteClip(_folder["short.avi"], [0], frames: 3);
        string bad = Config(clip, DeviceConfigFile.Rule("desk-led", "background", "led"));
        using (IHost host = DeviceHost.Build(bad, builder => builder.Logging.ClearProviders(), systemFile: null))
        {
            var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<EdgeCnn.Device.Configuration.RuleList>>().Value);
            Assert.Contains("Rules:0:Class 'background' is the model's background class", string.Join(" ", error.Failures));
        }

        string good = Config(clip, DeviceConfigFile.Rule("circle-led", "circle", "led"));
        var output = new StringWriter();
        CheckCommand.Run(good, output);
        string model = output.ToString().Split('\n').Single(line => line.Contains(" model "));
        Assert.StartsWith("ok", model);
        Assert.Matches("a test inference on a blank grey frame gave (nothing|unknown)", model);
    }
}
