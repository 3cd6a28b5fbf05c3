using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Inputs;
using EdgeCnn.Device.Loop;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Device.Rules;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Device.Systemd;
using EdgeCnn.Vision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Hosting;

/// <summary>
/// The hosted service that owns the model, the outputs, the capture thread and the frame loop: it opens them at
/// start (a bad model or pin fails the start with a message that names it), stops the host when the loop ends or
/// fails, and switches every output off on stop, on SIGTERM and on an unhandled exception.
/// </summary>
public sealed partial class FrameLoopService(
    IOptions<ModelOptions> model,
    IOptions<SourceOptions> source,
    IOptions<GpioOptions> gpio,
    IOptions<OutputList> outputs,
    IOptions<RuleList> rules,
    IOptions<MotionGateOptions> motion,
    FrameSourceOpener openSource,
    FrameStatistics statistics,
    RuleEventBus bus,
    SystemdNotifier notifier,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    IMqttStatus mqtt,
    EventSnapshots snapshots,
    ArmSwitch arming,
    InputPanel inputs,
    ILoggerFactory loggerFactory) : IHostedService, IDeviceState, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<FrameLoopService>();
    private OnnxClassifier? _classifier;
    private OutputBank? _outputs;
    private LatestFrame? _frames;
    private FrameCapture? _capture;
    private FramePipeline? _pipeline;
    private FrameLoop? _loop;
    private ModelReloader? _reloader;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The process exit code the loop asks for: 0 unless it failed.</summary>
    public int ExitCode { get; private set; }

    /// <summary>The model's manifest, once started.</summary>
    public ModelManifest? Manifest => _loop?.Classifier.Manifest ?? _classifier?.Manifest;

    /// <inheritdoc />
    public PrecisionChoice? Precision { get; private set; }

    /// <summary>Per-class and per-rule counts (and the score against a clip's truth), once started.</summary>
    public ClassTally? Tally { get; private set; }

    /// <summary>The frame loop, once started.</summary>
    internal FrameLoop? Loop => _loop;

    /// <inheritdoc />
    public IReadOnlyList<OutputState> Outputs => _outputs is { } bank ? [.. bank.Outputs.Select(o => new OutputState(o.Name, o.IsOn))] : [];

    /// <inheritdoc />
    public long Triggers(int rule) => Tally?.Triggers(rule) ?? 0;

    /// <inheritdoc />
    public long ModelReloads => _reloader?.Reloads ?? 0;

    /// <inheritdoc />
    public string? LastRefusedReload => _reloader?.LastRefusal;

    /// <inheritdoc />
    public IMqttStatus Mqtt => mqtt;

    /// <summary>The rules, in configuration order.</summary>
    public IReadOnlyList<RuleOptions> Rules => rules.Value;

    /// <summary>Whether rule <paramref name="rule"/> is active now (its outputs on).</summary>
    public bool IsRuleActive(int rule) => _loop?.IsRuleActive(rule) ?? false;

    /// <summary>Whether the motion sensor keeps the loop at full rate now; null without one.</summary>
    public bool? MotionAwake => inputs.Motion?.IsAwake;

    /// <summary>Stale frames the loop skipped because a newer one was waiting.</summary>
    public long DroppedFrames => _frames?.Dropped ?? 0;

    /// <summary>Completes when the model, outputs and loop are open (reporters wait for it before they describe them).</summary>
    public Task Started => _started.Task;

    /// <summary>When the service started.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>
    /// Why the loop is not classifying, or null while it runs: it failed (with the exception's message), the clip
    /// ended, or it has not started.
    /// </summary>
    public string? LoopEndedReason => _loop?.Completion switch
    {
        null => "the frame loop has not started",
        { IsFaulted: true } failed => $"the frame loop failed: {failed.Exception!.InnerException!.Message}",
        { IsCompletedSuccessfully: true } => "the frame loop has stopped (the source ended or the service is stopping)",
        _ => null,
    };

    /// <summary>A copy of the next classified frame (see <see cref="FrameLoop.RequestSnapshot"/>).</summary>
    public Task<FrameSnapshot> RequestSnapshot() =>
        _loop?.RequestSnapshot() ?? Task.FromException<FrameSnapshot>(new InvalidOperationException("the frame loop has not started"));

    /// <summary>Completes when the first frame has been classified.</summary>
    public Task FirstFrame => _loop?.FirstFrame ?? Task.FromException(new InvalidOperationException("the frame loop has not started"));

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        StartedAt = clock.GetUtcNow();
        Precision = PrecisionChoice.Choose(model.Value);
        // The twin chosen is the one opened and watched for hot reload.
        ModelOptions modelOptions = model.Value.WithPath(Precision.Path);
        LogPrecision(Precision.Precision, modelOptions.FullPath, Precision.Why);
        _classifier = OnnxClassifier.Open(modelOptions.Path, modelOptions.ToClassifierOptions());
        ModelManifest manifest = _classifier.Manifest;
        LogModel(modelOptions.FullPath, manifest.Architecture, manifest.Labels.Length, manifest.Preprocessing.Width, manifest.Preprocessing.Height,
            manifest.Preprocessing.Channels, modelOptions.IntraOpThreads, modelOptions.AllowSpinning ? "on" : "off");
        SourceOptions sourceOptions = source.Value;
        _pipeline = new FramePipeline(manifest, sourceOptions.Region, rules.Value, motion.Value);
        if (rules.Value.Count == 0) LogNoRules();
        _outputs = new GpioHardware(gpio.Value, loggerFactory).OpenOutputs(outputs.Value, rules.Value);
        _outputs.Gate = arming;
        RecordOutputsInUse();
        // The last line of defence: whatever else fails, the LED and buzzer do not stay on.
        AppDomain.CurrentDomain.UnhandledException += SwitchOffOnCrash;
        AppDomain.CurrentDomain.ProcessExit += SwitchOffOnExit;
        ClipTruth? truth = sourceOptions.TruthFile.Length > 0 ? ClipTruth.Load(sourceOptions.TruthFile, manifest.Labels, manifest.BackgroundLabel) : null;
        Tally = new ClassTally(manifest, rules.Value, truth);
        _frames = new LatestFrame();
        _capture = new FrameCapture(sourceOptions, () => openSource(sourceOptions), _frames, statistics, clock, loggerFactory.CreateLogger<FrameCapture>());
        _capture.GrayWanted = FramePipeline.WantsGray(manifest);
        _loop = new FrameLoop(_classifier, _pipeline, _outputs, _frames, _capture, statistics, Tally, bus, notifier, loggerFactory.CreateLogger<FrameLoop>(), snapshots, inputs.Motion);
        _loop.Completion.ContinueWith(OnLoopEnded, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (modelOptions.HotReload) _reloader = new ModelReloader(modelOptions, _loop, loggerFactory.CreateLogger<ModelReloader>());
        _capture.Start();
        _loop.Start();
        _started.TrySetResult();
        return Task.CompletedTask;
    }

    // For 'off' after a kill -9: the pins this process drives, whatever the settings say by then.
    private void RecordOutputsInUse()
    {
        if (OutputsInUse.PathIn(ServiceStateDirectory.Path) is not string path) return;
        try
        {
            new OutputsInUse(gpio.Value, [.. outputs.Value]).Write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not worth stopping the device for: 'off' still switches the configured outputs.
            LogCannotRecord(path, e.Message);
        }
    }

    private void OnLoopEnded(Task<bool> loop)
    {
        if (loop.IsFaulted) ExitCode = ExitCodes.Failure;
        else if (loop.Result) LogClipEnded();
        else return; // stopped by the host
        lifetime.StopApplication();
    }

    private void SwitchOffOnCrash(object? sender, UnhandledExceptionEventArgs e) => _outputs?.SwitchAllOff();

    private void SwitchOffOnExit(object? sender, EventArgs e) => _outputs?.SwitchAllOff();

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        notifier.Stopping();
        _reloader?.Dispose();
        _loop?.Dispose();
        _capture?.Dispose();
        _outputs?.SwitchAllOff();
        bus.Complete();
        if (_classifier is not null)
        {
            (double p50, _, _) = statistics.Latency(Stage.Inference);
            LogSummary(statistics.FramesClassified, statistics.FramesPerSecond(), p50, _frames?.Dropped ?? 0, statistics.Reconnects);
            foreach (string line in Tally?.Table() ?? []) LogTally(line);
        }
        return Task.CompletedTask;
    }

    /// <summary>Releases everything; the outputs are off.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= SwitchOffOnCrash;
        AppDomain.CurrentDomain.ProcessExit -= SwitchOffOnExit;
        _reloader?.Dispose();
        _loop?.Dispose();
        _capture?.Dispose();
        _outputs?.Dispose();
        _frames?.Dispose();
        _pipeline?.Dispose();
        // The loop's classifier may be a reloaded one; the first one was then disposed by the reloader.
        if (_loop is not null) _loop.Classifier.Dispose();
        else _classifier?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "model {Path}: {Architecture}, {Classes} classes, input {Width}x{Height}x{Channels}; ONNX Runtime {Threads} threads, spinning {Spinning}")]
    private partial void LogModel(string path, string architecture, int classes, int width, int height, int channels, int threads, string spinning);

    [LoggerMessage(Level = LogLevel.Information, Message = "model precision {Precision}: {Path} ({Why})")]
    private partial void LogPrecision(string precision, string path, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot record the outputs in use in {Path} ({Reason}); after a crash, 'off' switches only the configured outputs")]
    private partial void LogCannotRecord(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no rules are configured (Rules): frames are classified but nothing is switched")]
    private partial void LogNoRules();

    [LoggerMessage(Level = LogLevel.Information, Message = "the clip has ended; stopping")]
    private partial void LogClipEnded();

    [LoggerMessage(Level = LogLevel.Information, Message = "  {Line}")]
    private partial void LogTally(string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped after {Frames} frames ({Fps:0.0} frames/s recently, inference p50 {InferenceMs:0.00} ms); {Dropped} stale frames dropped, {Reconnects} source reconnects")]
    private partial void LogSummary(long frames, double fps, double inferenceMs, long dropped, long reconnects);
}
