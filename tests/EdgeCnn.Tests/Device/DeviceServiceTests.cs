using System.Text.Json;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgeCnn.Tests.Device;

/// <summary>The device service end to end, in process: a clip, a model from our trainer, the simulated GPIO driver.</summary>
[Collection(TorchCollection.Name)]
public sealed class DeviceServiceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private object Settings(object source, object[] rules, object[]? outputs = null, string? model = null) => new
    {
        Model = new { Path = model ?? ShapesModel.ModelPath, IntraOpThreads = 1 },
        Source = source,
        Gpio = new { Driver = "simulated" },
        Outputs = outputs ?? [new { Name = "led", Type = "Led", Pin = 17 }, new { Name = "buzzer", Type = "ActiveBuzzer", Pin = 27 }],
        Rules = rules,
    };

    private static async Task<(IHost Host, CapturingLoggerProvider Log)> RunToEnd(string config, Action<IServiceCollection>? services = null)
    {
        var log = new CapturingLoggerProvider();
        IHost host = DeviceHost.Build(config, builder =>
        {
            builder.Logging.AddProvider(log);
            services?.Invoke(builder.Services);
        }, systemFile: null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // Not RunAsync, which disposes the host: the tests read its services afterwards.
        await host.StartAsync(timeout.Token);
        await host.WaitForShutdownAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the service did not stop at the end of the clip");
        return (host, log);
    }

    [Fact]
    public async Task A_clip_switches_the_led_and_buzzer_exactly_as_the_shapes_come_and_go()
    {
        // circle, square, triangle, circle: 24 frames (2 s) each.
        string clip = ShapesClip.Write(_folder["clip.avi"], [(0, 24), (1, 24), (2, 24), (0, 24)]);
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(
            new { Type = "file", Path = clip, Realtime = false, StopAtEnd = true, Region = new { X = 0.5, Width = 0.5 } },
            [DeviceConfigFile.Rule("circle-led", "circle", "led"), DeviceConfigFile.Rule("square-buzzer", "square", "buzzer")]));

        (IHost host, CapturingLoggerProvider log) = await RunToEnd(config);
        using (host)
        {
            // Pins start off; the LED follows the circles, the buzzer the squares; the LED, still on when the clip
            // ends, is switched off by the stop. (Where a circle hands over to a square, the LED's release and the
            // buzzer's trigger may fall on the same frame or either side of each other: compared pin by pin.)
            List<(int Pin, string Level)> transitions = log.GpioTransitions();
            Assert.Equal(["low", "high", "low", "high", "low"], transitions.Where(t => t.Pin == 17).Select(t => t.Level));
            Assert.Equal(["low", "high", "low"], transitions.Where(t => t.Pin == 27).Select(t => t.Level));
            Assert.Equal(8, transitions.Count);
            List<JsonElement> events = log.EventLines().Select(line => JsonDocument.Parse(line).RootElement).ToList();
            long[] Frames(string rule, string kind) => events
                .Where(e => e.GetProperty("rule").GetString() == rule && e.GetProperty("event").GetString() == kind)
                .Select(e => e.GetProperty("frame").GetInt64()).ToArray();
            // Each trigger comes within the first frames of its segment (3 of 5 frames), each release soon after it ends.
            long[] ledOn = Frames("circle-led", "trigger"), ledOff = Frames("circle-led", "release");
            long[] buzzerOn = Frames("square-buzzer", "trigger"), buzzerOff = Frames("square-buzzer", "release");
            Assert.Equal(2, ledOn.Length);
            Assert.InRange(ledOn[0], 3, 8);
            Assert.InRange(Assert.Single(ledOff), 25, 32);
            Assert.InRange(Assert.Single(buzzerOn), 27, 32);
            Assert.InRange(Assert.Single(buzzerOff), 49, 56);
            Assert.InRange(ledOn[1], 75, 80);
            Assert.Equal(5, events.Count);
            FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
            Assert.Equal(96, statistics.FramesClassified); // frame by frame: none dropped
            Assert.Equal(0, host.Services.GetRequiredService<FrameLoopService>().ExitCode);
        }
    }

    [Fact]
    public async Task The_frame_loop_and_the_capture_thread_allocate_nothing_per_frame_in_steady_state()
    {
        // Only squares, and a rule for circles: no transitions, so nothing is logged from the loop.
        string clip = ShapesClip.Write(_folder["squares.avi"], [(1, 200)]);
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(
            new { Type = "file", Path = clip, Realtime = false, StopAtEnd = true, Region = new { X = 0.5, Width = 0.5 } },
            [DeviceConfigFile.Rule("circle-led", "circle", "led")]));

        (IHost host, _) = await RunToEnd(config);
        using (host)
        {
            FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
            long[] loop = statistics.LoopAllocations.Snapshot(), capture = statistics.CaptureAllocations.Snapshot();
            Assert.Equal(200, loop.Length);
            // The first frames set up lazily (ONNX Runtime, the region's views over the three frame buffers) and the
            // JIT recompiles hot methods after 30 calls; the second half of the clip is the steady state.
            Assert.All(loop[100..], bytes => Assert.Equal(0, bytes));
            Assert.All(capture[100..], bytes => Assert.Equal(0, bytes));
        }
    }

    [Fact]
    public async Task A_crash_in_the_frame_loop_switches_the_outputs_off_and_exits_non_zero()
    {
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(
            new { Type = "images", Path = _folder.Path, Realtime = false },
            [DeviceConfigFile.Rule("circle-led", "circle", "led")]));
        // Ten circles turn the LED on; then the camera delivers a 16-bit frame, which preprocessing refuses.
        var random = new Random(4);
        List<Mat> frames = [.. Enumerable.Range(0, 10).Select(_ => ShapesDataset.Draw(0, ShapesModel.FrameSize, random, colour: true))];
        frames.Add(new Mat(ShapesModel.FrameSize, ShapesModel.FrameSize, MatType.CV_16UC1, Scalar.All(1000)));
        var camera = new FakeCamera(frames);
        try
        {
            (IHost host, CapturingLoggerProvider log) = await RunToEnd(config, services => services.AddSingleton<FrameSourceOpener>(_ => camera));
            using (host)
            {
                Assert.Equal([(17, "low"), (27, "low"), (17, "high"), (17, "low")], log.GpioTransitions());
                Assert.Contains(log.Entries, e => e.Level == LogLevel.Critical && e.Exception is ArgumentException && e.Message.Contains("outputs switched off", StringComparison.Ordinal));
                Assert.Equal(1, host.Services.GetRequiredService<FrameLoopService>().ExitCode);
            }
        }
        finally
        {
            camera.Release();
        }
    }

    [Fact]
    public async Task A_camera_whose_read_throws_is_reopened_with_backoff_and_the_service_keeps_classifying()
    {
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(
            new { Type = "v4l2", Device = "0", ReopenDelay = "00:00:00.05", ReopenMaxDelay = "00:00:00.2" }, [], []));
        var random = new Random(6);
        ThrowingCamera.Opened = 0;
        var log = new CapturingLoggerProvider();
        using IHost host = DeviceHost.Build(config, builder =>
        {
            builder.Logging.AddProvider(log);
            builder.Services.AddSingleton<FrameSourceOpener>(_ => _ =>
            {
                Interlocked.Increment(ref ThrowingCamera.Opened);
                return new ThrowingCamera(() => ShapesDataset.Draw(1, ShapesModel.FrameSize, random, colour: true), framesBeforeFault: 10);
            });
        }, systemFile: null);
        FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
        await host.StartAsync();
        bool kept = SpinWait.SpinUntil(() => Volatile.Read(ref ThrowingCamera.Opened) >= 3 && statistics.FramesClassified >= 25, TimeSpan.FromSeconds(60));
        DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
        string? ended = service.LoopEndedReason;
        await host.StopAsync();

        Assert.True(kept, $"opened {ThrowingCamera.Opened} times, {statistics.FramesClassified} frames classified; loop: {ended}");
        Assert.Null(ended);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("No such device") && e.Message.Contains("Reopening"));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("clip has ended"));
        Assert.Equal(0, host.Services.GetRequiredService<FrameLoopService>().ExitCode);
    }

    [Fact]
    public async Task A_clip_whose_read_throws_is_a_failure_that_exits_non_zero_not_the_end_of_the_clip()
    {
        // The settings name a real clip; the fake camera stands in for its decoder, which fails on frame 11.
        string clip = ShapesClip.Write(_folder["clip.avi"], [(1, 3)]);
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(
            new { Type = "file", Path = clip, Realtime = false, StopAtEnd = true }, [], []));
        var random = new Random(6);
        (IHost host, _) = await RunToEnd(config, services => services.AddSingleton<FrameSourceOpener>(_ =>
            new ThrowingCamera(() => ShapesDataset.Draw(1, ShapesModel.FrameSize, random, colour: true), framesBeforeFault: 10)));
        using (host)
        {
            DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
            Assert.Equal(1, host.Services.GetRequiredService<FrameLoopService>().ExitCode);
            Assert.Contains("No such device", service.LoopEndedReason);
        }
    }

    [Fact]
    public async Task A_camera_pipe_that_dies_is_reopened_with_backoff_and_the_service_keeps_classifying()
    {
        // The rpicam reader on a stream that ffmpeg writes in rpicam-vid's format, 15 frames per run of the program.
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(new
        {
            Type = "rpicam", Command = "/bin/sh", Width = 96, Height = 96, ReopenDelay = "00:00:00.1", ReopenMaxDelay = "00:00:00.4",
            Arguments = new[] { "-c", "ffmpeg -loglevel error -f lavfi -i testsrc=size=96x96:rate=30 -frames:v 15 -f rawvideo -pix_fmt yuv420p -" },
        }, [], []));
        var log = new CapturingLoggerProvider();
        using IHost host = DeviceHost.Build(config, builder => builder.Logging.AddProvider(log), systemFile: null);
        FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
        await host.StartAsync();
        bool reopened = SpinWait.SpinUntil(() => statistics.Reconnects >= 2 && statistics.FramesClassified > 30, TimeSpan.FromSeconds(60));
        await host.StopAsync();

        Assert.True(reopened, $"{statistics.Reconnects} reconnects, {statistics.FramesClassified} frames");
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("source lost: ", StringComparison.Ordinal)
                                          && e.Message.Contains("exited with code 0 at a frame boundary", StringComparison.Ordinal)
                                          && e.Message.Contains("Reopening in 0.1 s", StringComparison.Ordinal));
        Assert.True(log.Entries.Count(e => e.Message.StartsWith("source opened: /bin/sh", StringComparison.Ordinal)) >= 3);
    }

    /// <summary>A copy of the shapes model and its manifest in this test's models folder, for the service to watch.</summary>
    private string CopyOfShapesModel()
    {
        string models = _folder["models"];
        Directory.CreateDirectory(models);
        string modelPath = Path.Combine(models, "shapes.onnx");
        File.Copy(ShapesModel.ModelPath, modelPath);
        File.Copy(Path.ChangeExtension(ShapesModel.ModelPath, ".json"), Path.ChangeExtension(modelPath, ".json"));
        return modelPath;
    }

    /// <summary>Replaces the watched model with another, manifest first, as deploy.sh does.</summary>
    // A device that runs the model at modelPath on a looped clip of circles, with no rules or outputs: for the
    // model-reload tests, which replace that file while it runs.
    private IHost OnLoopedCircles(string modelPath, CapturingLoggerProvider log)
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(
            new { Type = "file", Path = clip, Loop = true, Region = new { X = 0.5, Width = 0.5 } }, [], [], modelPath));
        return DeviceHost.Build(config, builder => builder.Logging.AddProvider(log), systemFile: null);
    }

    private static void Replace(string modelPath, string with)
    {
        File.Copy(Path.ChangeExtension(with, ".json"), Path.ChangeExtension(modelPath, ".json"), overwrite: true);
        File.Copy(with, modelPath, overwrite: true);
    }

    /// <summary>
    /// The shapes model with one more node at its end, a Gather of output columns 0, 1 and 7 of 3: it loads, its input
    /// and output shapes are right, and only running it fails (an index out of bounds).
    /// </summary>
    private static void WriteModelThatFailsToRun(string modelPath)
    {
        var model = EdgeCnn.Vision.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(ShapesModel.ModelPath));
        var last = model.Graph.Node.Single(n => n.Output.Contains("output"));
        last.Output[last.Output.IndexOf("output")] = "logits_before_fault";
        var indices = new EdgeCnn.Vision.Onnx.Proto.TensorProto
        {
            Name = "fault_indices", DataType = (int)EdgeCnn.Vision.Onnx.Proto.TensorProto.Types.DataType.Int64,
            RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new long[] { 0, 1, 7 }.AsSpan())),
        };
        indices.Dims.Add(3);
        model.Graph.Initializer.Add(indices);
        var gather = new EdgeCnn.Vision.Onnx.Proto.NodeProto { OpType = "Gather", Name = "fault/Gather" };
        gather.Input.Add("logits_before_fault");
        gather.Input.Add("fault_indices");
        gather.Output.Add("output");
        gather.Attribute.Add(EdgeCnn.Trainer.Onnx.OnnxGraphBuilder.Int("axis", 1));
        model.Graph.Node.Add(gather);
        byte[] bytes = Google.Protobuf.MessageExtensions.ToByteArray(model);
        File.WriteAllBytes(modelPath, bytes);
        ModelManifest manifest = ModelManifest.Load(Path.ChangeExtension(ShapesModel.ModelPath, ".json"));
        (manifest with { ModelSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) }).Save(Path.ChangeExtension(modelPath, ".json"));
    }

    [Fact]
    public async Task A_replacement_model_that_fails_when_run_is_refused_and_the_running_one_stays()
    {
        string modelPath = CopyOfShapesModel();
        string faulty = _folder["faulty/shapes.onnx"];
        Directory.CreateDirectory(Path.GetDirectoryName(faulty)!);
        WriteModelThatFailsToRun(faulty);
        var log = new CapturingLoggerProvider();
        using IHost host = OnLoopedCircles(modelPath, log);
        FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
        DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
        await host.StartAsync();
        try
        {
            Assert.True(SpinWait.SpinUntil(() => statistics.FramesClassified > 10, TimeSpan.FromSeconds(30)));
            string runningSha = service.Manifest!.ModelSha256;
            Replace(modelPath, faulty);
            Assert.True(SpinWait.SpinUntil(() => service.LastRefusedReload is not null, TimeSpan.FromSeconds(30)), string.Join("\n", log.Entries.Select(e => e.Message)));
            Assert.Contains("test inference", service.LastRefusedReload);
            long afterRefusal = statistics.FramesClassified;
            Assert.True(SpinWait.SpinUntil(() => statistics.FramesClassified > afterRefusal + 5, TimeSpan.FromSeconds(30)), "the loop stopped classifying");
            Assert.Equal(runningSha, service.Manifest.ModelSha256);
            Assert.Equal(0, service.ModelReloads);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>A fake camera (the hardware boundary) that has no picture until the test opens its gate.</summary>
    private sealed class GatedCamera(Func<Mat> draw, Func<bool> open) : IFrameSource
    {
        public string Description => "gated fake camera";

        public string? LastProblem { get; private set; }

        public bool TryRead(Mat frame)
        {
            if (!open())
            {
                LastProblem = "no picture yet (the test holds the gate)";
                return false;
            }
            using Mat drawn = draw();
            drawn.CopyTo(frame);
            return true;
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Two_reloads_while_no_frame_comes_release_the_model_that_never_ran_and_swap_in_the_newest()
    {
        string modelPath = CopyOfShapesModel();
        string first = _folder["first/shapes.onnx"], second = _folder["second/shapes.onnx"];
        Directory.CreateDirectory(Path.GetDirectoryName(first)!);
        Directory.CreateDirectory(Path.GetDirectoryName(second)!);
        ShapesModel.WriteUntrained(first, seed: 3);
        ShapesModel.WriteUntrained(second, seed: 4);
        string config = DeviceConfigFile.Write(_folder["device.json"], Settings(
            new { Type = "v4l2", Device = "0", ReopenDelay = "00:00:00.05", ReopenMaxDelay = "00:00:00.1" }, [], [], modelPath));
        bool gate = false;
        var random = new Random(8);
        var log = new CapturingLoggerProvider();
        using IHost host = DeviceHost.Build(config, builder =>
        {
            builder.Logging.AddProvider(log);
            builder.Services.AddSingleton<FrameSourceOpener>(_ => _ => new GatedCamera(() => ShapesDataset.Draw(0, ShapesModel.FrameSize, random, colour: true), () => Volatile.Read(ref gate)));
        }, systemFile: null);
        FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
        DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
        await host.StartAsync();
        try
        {
            string Messages() => string.Join("\n", log.Entries.Select(e => e.Message));
            int Accepted() => log.Entries.Count(e => e.Message.Contains("passed its checks"));
            Replace(modelPath, first);
            Assert.True(SpinWait.SpinUntil(() => Accepted() == 1, TimeSpan.FromSeconds(30)), Messages());
            Replace(modelPath, second);
            Assert.True(SpinWait.SpinUntil(() => Accepted() == 2, TimeSpan.FromSeconds(30)), Messages());
            Assert.Equal(0, statistics.FramesClassified);
            // The reloader logs its acceptance just before it offers the model, so the release may follow a moment later.
            Assert.True(SpinWait.SpinUntil(() => log.Entries.Any(e => e.Message.StartsWith("a newer model replaced the one waiting", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)), Messages());

            Volatile.Write(ref gate, true);
            Assert.True(SpinWait.SpinUntil(() => service.ModelReloads == 1 && statistics.FramesClassified > 3, TimeSpan.FromSeconds(30)), Messages());
            Assert.Equal(ModelManifest.Load(Path.ChangeExtension(second, ".json")).ModelSha256, service.Manifest!.ModelSha256);
            Assert.Equal(1, service.ModelReloads);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_new_manifest_beside_the_same_weights_is_a_reload()
    {
        string modelPath = CopyOfShapesModel();
        var log = new CapturingLoggerProvider();
        using IHost host = OnLoopedCircles(modelPath, log);
        DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
        FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
        await host.StartAsync();
        try
        {
            Assert.True(SpinWait.SpinUntil(() => statistics.FramesClassified > 5, TimeSpan.FromSeconds(30)));
            // The same .onnx; only the open-set threshold changes, as a user who re-calibrated it would deploy.
            string manifestPath = Path.ChangeExtension(modelPath, ".json");
            ModelManifest manifest = ModelManifest.Load(manifestPath);
            float threshold = 0.77f;
            (manifest with { OpenSet = (manifest.OpenSet ?? new OpenSetThreshold()) with { Threshold = threshold } }).Save(manifestPath);

            // The count goes up just before the line is logged: wait for the line.
            Assert.True(SpinWait.SpinUntil(() => log.Entries.Any(e => e.Message.StartsWith("model reloaded: ", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
                string.Join("\n", log.Entries.Select(e => e.Message)));
            Assert.Equal(1, service.ModelReloads);
            Assert.Equal(threshold, service.Manifest!.OpenSet!.Threshold);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_replaced_model_is_swapped_in_between_frames_and_a_corrupt_one_is_refused()
    {
        string modelPath = CopyOfShapesModel();
        string second = _folder["untrained/shapes.onnx"];
        Directory.CreateDirectory(Path.GetDirectoryName(second)!);
        ShapesModel.WriteUntrained(second);
        var log = new CapturingLoggerProvider();
        using IHost host = OnLoopedCircles(modelPath, log);
        FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
        DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
        await host.StartAsync();
        try
        {
            Assert.True(SpinWait.SpinUntil(() => statistics.FramesClassified > 10, TimeSpan.FromSeconds(30)));
            string firstSha = service.Manifest!.ModelSha256;
            Assert.True(statistics.LastTop.Probability > 0.9, $"the trained model is sure of its circles ({statistics.LastTop.Probability})");

            Replace(modelPath, second);
            Assert.True(SpinWait.SpinUntil(() => service.ModelReloads == 1, TimeSpan.FromSeconds(30)), string.Join("\n", log.Entries.Select(e => e.Message)));
            long afterSwap = statistics.FramesClassified;
            Assert.True(SpinWait.SpinUntil(() => statistics.FramesClassified > afterSwap + 5, TimeSpan.FromSeconds(30)));
            Assert.NotEqual(firstSha, service.Manifest!.ModelSha256);
            Assert.True(statistics.LastTop.Probability < 0.9, $"the untrained model is not sure of anything ({statistics.LastTop.Probability})");
            Assert.Contains(log.Entries, e => e.Message.StartsWith("model reloaded: ", StringComparison.Ordinal));

            // A corrupt model file: refused, and the loop goes on with the model it has.
            string secondSha = service.Manifest.ModelSha256;
            File.WriteAllBytes(modelPath, [1, 2, 3, 4, 5]);
            Assert.True(SpinWait.SpinUntil(() => service.LastRefusedReload is not null, TimeSpan.FromSeconds(30)));
            Assert.Contains("SHA-256", service.LastRefusedReload);
            long afterRefusal = statistics.FramesClassified;
            Assert.True(SpinWait.SpinUntil(() => statistics.FramesClassified > afterRefusal + 5, TimeSpan.FromSeconds(30)));
            Assert.Equal(secondSha, service.Manifest.ModelSha256);
            Assert.Equal(1, service.ModelReloads);
            Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("was refused, the running one stays", StringComparison.Ordinal));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
