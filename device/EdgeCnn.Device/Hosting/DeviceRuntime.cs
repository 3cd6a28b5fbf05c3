using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Inputs;
using EdgeCnn.Device.Loop;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Hosting;

/// <summary>
/// The composition root of the frame pipeline: <see cref="Open"/> builds it once from the settings (the model and
/// its precision, the preprocessing, the outputs behind the arming gate, the capture thread, the loop, hot reload)
/// and owns every part of it; <see cref="Dispose"/> releases them, outputs off. Reporters read it as
/// <see cref="IDeviceState"/>, which hands out values and copies only. A bad model or pin fails <see cref="Open"/>
/// with a message that names it.
/// </summary>
public sealed partial class DeviceRuntime(
    DeviceSettings settings,
    FrameSourceOpener openSource,
    LoopListeners listeners,
    ArmSwitch arming,
    InputPanel inputs,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : IDeviceState, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<DeviceRuntime>();
    private OnnxClassifier? _classifier;
    private OutputBank? _outputs;
    private LatestFrame? _frames;
    private FrameCapture? _capture;
    private FramePipeline? _pipeline;
    private FrameLoop? _loop;
    private ModelReloader? _reloader;
    private ClassTally? _tally;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public ModelManifest? Manifest => _loop?.Classifier.Manifest ?? _classifier?.Manifest;

    /// <inheritdoc />
    public PrecisionChoice? Precision { get; private set; }

    /// <summary>Per-class and per-rule counts (and the score against a clip's truth), once open.</summary>
    public ClassTally? Tally => _tally;

    /// <inheritdoc />
    public IReadOnlyList<OutputState> Outputs => _outputs is { } bank ? [.. bank.Outputs.Select(o => new OutputState(o.Name, o.IsOn))] : [];

    /// <inheritdoc />
    public long Triggers(int rule) => _tally?.Triggers(rule) ?? 0;

    /// <inheritdoc />
    public long ModelReloads => _reloader?.Reloads ?? 0;

    /// <inheritdoc />
    public string? LastRefusedReload => _reloader?.LastRefusal;

    /// <inheritdoc />
    public IReadOnlyList<RuleOptions> Rules => settings.Rules;

    /// <inheritdoc />
    public bool IsRuleActive(int rule) => _loop?.IsRuleActive(rule) ?? false;

    /// <inheritdoc />
    public bool? MotionAwake => inputs.Motion?.IsAwake;

    /// <inheritdoc />
    public long DroppedFrames => _frames?.Dropped ?? 0;

    /// <inheritdoc />
    public Task Started => _started.Task;

    /// <inheritdoc />
    public DateTimeOffset StartedAt { get; private set; }

    /// <inheritdoc />
    public string? LoopEndedReason => _loop?.Completion switch
    {
        null => "the frame loop has not started",
        { IsFaulted: true } failed => $"the frame loop failed: {failed.Exception!.InnerException!.Message}",
        { IsCompletedSuccessfully: true } => "the frame loop has stopped (the source ended or the service is stopping)",
        _ => null,
    };

    /// <inheritdoc />
    public Task<FrameSnapshot> RequestSnapshot() =>
        _loop?.RequestSnapshot() ?? Task.FromException<FrameSnapshot>(new InvalidOperationException("the frame loop has not started"));

    /// <summary>Completes when the first frame has been classified.</summary>
    public Task FirstFrame => _loop?.FirstFrame ?? Task.FromException(new InvalidOperationException("the frame loop has not started"));

    /// <summary>Completes when the loop ends: true when a clip ended, false when stopped; faulted with what ended it.</summary>
    public Task<bool> Completion => _loop?.Completion ?? Task.FromException<bool>(new InvalidOperationException("the frame loop has not started"));

    /// <summary>Builds the pipeline and starts the capture thread and the loop.</summary>
    public void Open()
    {
        // Twice would open the outputs twice and hook the crash handlers twice.
        if (_loop is not null || _classifier is not null) throw new InvalidOperationException("the device runtime is already open.");
        StartedAt = clock.GetUtcNow();
        ModelOptions model = OpenModel();
        ModelManifest manifest = _classifier!.Manifest;
        _pipeline = new FramePipeline(manifest, settings.Source.Region, settings.Rules, settings.MotionGate);
        if (settings.Rules.Count == 0) LogNoRules();
        OpenOutputs();
        ClipTruth? truth = settings.Source.TruthFile.Length > 0 ? ClipTruth.Load(settings.Source.TruthFile, manifest.Labels, manifest.BackgroundLabel) : null;
        _tally = new ClassTally(manifest, settings.Rules, truth);
        _frames = new LatestFrame();
        _capture = new FrameCapture(settings.Source, () => openSource(settings.Source), _frames, listeners.Statistics, clock, loggerFactory.CreateLogger<FrameCapture>())
        {
            GrayWanted = FramePipeline.WantsGray(manifest),
        };
        _loop = new FrameLoop(_classifier, _pipeline, _outputs!, _capture, _tally, listeners, loggerFactory.CreateLogger<FrameLoop>()) { Throttle = inputs.Motion };
        if (model.HotReload) _reloader = new ModelReloader(model, _loop, loggerFactory.CreateLogger<ModelReloader>());
        _capture.Start();
        _loop.Start();
        _started.TrySetResult();
    }

    // The twin chosen (fp32 or int8) is the one opened and the one watched for hot reload.
    private ModelOptions OpenModel()
    {
        Precision = PrecisionChoice.Choose(settings.Model);
        ModelOptions model = settings.Model.WithPath(Precision.Path);
        LogPrecision(Precision.Precision, model.FullPath, Precision.Why);
        _classifier = OnnxClassifier.Open(model.Path, model.ToClassifierOptions());
        ModelManifest manifest = _classifier.Manifest;
        LogModel(model.FullPath, manifest.Architecture, manifest.Labels.Length, manifest.Preprocessing.Width, manifest.Preprocessing.Height,
            manifest.Preprocessing.Channels, model.IntraOpThreads, model.AllowSpinning ? "on" : "off");
        return model;
    }

    private void OpenOutputs()
    {
        _outputs = new GpioHardware(settings.Gpio, loggerFactory).OpenOutputs(settings.Outputs, settings.Rules);
        _outputs.Gate = arming;
        RecordOutputsInUse();
        // The last line of defence: whatever else fails, the LED and buzzer do not stay on.
        AppDomain.CurrentDomain.UnhandledException += SwitchOffOnCrash;
        AppDomain.CurrentDomain.ProcessExit += SwitchOffOnExit;
    }

    // For 'off' after a kill -9: the pins this process drives, whatever the settings say by then.
    private void RecordOutputsInUse()
    {
        if (OutputsInUse.PathIn(ServiceStateDirectory.Path) is not string path) return;
        try
        {
            new OutputsInUse(settings.Gpio, [.. settings.Outputs]).Write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not worth stopping the device for: 'off' still switches the configured outputs.
            LogCannotRecord(path, e.Message);
        }
    }

    private void SwitchOffOnCrash(object? sender, UnhandledExceptionEventArgs e) => _outputs?.SwitchAllOff();

    private void SwitchOffOnExit(object? sender, EventArgs e) => _outputs?.SwitchAllOff();

    /// <summary>Stops hot reload, the loop and the capture thread, switches every output off and logs the run's summary.</summary>
    public void Stop()
    {
        _reloader?.Dispose();
        _loop?.Dispose();
        _capture?.Dispose();
        _outputs?.SwitchAllOff();
        if (_classifier is null) return;
        FrameStatistics statistics = listeners.Statistics;
        (double p50, _, _) = statistics.Latency(Stage.Inference);
        LogSummary(statistics.FramesClassified, statistics.FramesPerSecond(), p50, _frames?.Dropped ?? 0, statistics.Reconnects);
        foreach (string line in _tally?.Table() ?? []) LogTally(line);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "  {Line}")]
    private partial void LogTally(string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped after {Frames} frames ({Fps:0.0} frames/s recently, inference p50 {InferenceMs:0.00} ms); {Dropped} stale frames dropped, {Reconnects} source reconnects")]
    private partial void LogSummary(long frames, double fps, double inferenceMs, long dropped, long reconnects);
}
