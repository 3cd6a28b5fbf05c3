using System.Diagnostics;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Device.Rules;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Device.Systemd;
using EdgeCnn.Vision;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// The frame loop, on its own thread: take the newest frame, crop, classify, decide, switch outputs, ping the
/// watchdog. Everything it needs is made before it starts, so in steady state it allocates nothing; logging and
/// publishing happen on other threads through <see cref="RuleEventBus"/>. Outputs are switched off on every way
/// out of the loop, an exception included.
/// </summary>
public sealed partial class FrameLoop : IDisposable
{
    private static readonly TimeSpan CaptureStallLimit = TimeSpan.FromSeconds(2);
    private OnnxClassifier _classifier;
    private OnnxClassifier? _offered;
    private TaskCompletionSource<OnnxClassifier>? _swapped;
    // Guards the offered classifier and its promise as a pair; taken per frame only while an offer waits.
    private readonly Lock _offerGate = new();
    private SnapshotRequest? _snapshotRequest;
    // Guards the waiting snapshot request and its count of requesters; taken per frame only while one waits.
    private readonly Lock _snapshotGate = new();
    private readonly FramePipeline _pipeline;
    private readonly OutputBank _outputs;
    private readonly LatestFrame _frames;
    private readonly FrameCapture _capture;
    private readonly ClassTally _tally;
    private readonly LoopListeners _listeners;
    private DateTimeOffset _lastClassified = DateTimeOffset.MinValue;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _firstFrame = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stop;

    /// <summary>Wires the loop to what it reads (the capture's newest frame), runs (the pipeline), switches and
    /// tells; <see cref="Start"/> starts its thread.</summary>
    public FrameLoop(OnnxClassifier classifier, FramePipeline pipeline, OutputBank outputs, FrameCapture capture, ClassTally tally,
        LoopListeners listeners, ILogger<FrameLoop> logger)
    {
        _classifier = classifier;
        _pipeline = pipeline;
        _outputs = outputs;
        _capture = capture;
        _frames = capture.Frames;
        _tally = tally;
        _listeners = listeners;
        _logger = logger;
        _thread = new Thread(Run) { Name = "edgecnn frame loop", IsBackground = true };
    }

    /// <summary>What lets the loop rest between frames while nothing moves (the motion sensor); null: never rests.</summary>
    public IFrameThrottle? Throttle { get; init; }

    /// <summary>The classifier in use (a reload replaces it between frames).</summary>
    public OnnxClassifier Classifier => Volatile.Read(ref _classifier);

    /// <summary>
    /// Hands the loop a new, already validated classifier; it is swapped in before the next frame. The task
    /// completes with the classifier it replaced, which the caller then disposes, off the loop.
    /// </summary>
    public Task<OnnxClassifier> Offer(OnnxClassifier next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var swapped = new TaskCompletionSource<OnnxClassifier>(TaskCreationOptions.RunContinuationsAsynchronously);
        OnnxClassifier? superseded;
        TaskCompletionSource<OnnxClassifier>? supersededSwap;
        lock (_offerGate)
        {
            (superseded, supersededSwap) = (_offered, _swapped);
            _swapped = swapped;
            Volatile.Write(ref _offered, next);
        }
        // An offer the loop never took (no frame came since) is released now, or its whole session would leak.
        if (superseded is not null)
        {
            superseded.Dispose();
            supersededSwap?.TrySetCanceled();
            LogSuperseded();
        }
        return swapped.Task;
    }

    /// <summary>
    /// Asks for a copy of the next classified frame. Requests that arrive before it is taken share one copy, and each
    /// owns a share of it: every caller disposes what it gets exactly once (also when it stopped waiting), and the
    /// pixels are released after the last. Only a request costs the loop anything (one copy of the frame); encoding is
    /// left to the caller.
    /// </summary>
    public Task<FrameSnapshot> RequestSnapshot()
    {
        lock (_snapshotGate)
        {
            _snapshotRequest ??= new SnapshotRequest();
            _snapshotRequest.Requesters++;
            return _snapshotRequest.Promise.Task;
        }
    }

    /// <summary>Whether rule <paramref name="rule"/> is active; read from other threads, so a frame late at worst.</summary>
    public bool IsRuleActive(int rule) => _pipeline.Engine.IsActive(rule);

    /// <summary>Completes when the first frame has been classified.</summary>
    public Task FirstFrame => _firstFrame.Task;

    /// <summary>
    /// Completes when the loop ends: true when a clip ended (Source:StopAtEnd), false when it was stopped; faulted
    /// with the exception that ended it.
    /// </summary>
    public Task<bool> Completion => _completion.Task;

    /// <summary>Starts the loop thread.</summary>
    public void Start() => _thread.Start();

    private void Run()
    {
        try
        {
            bool ended = false;
            while (!_stop)
            {
                if (!_frames.TryTake(250, out Mat frame, out DateTimeOffset time, out long number))
                {
                    if (_frames.IsCompleted)
                    {
                        if (_frames.Failure is { } failure) throw new IOException($"capturing failed: {failure.Message}", failure);
                        ended = true;
                        break;
                    }
                    // No frame yet: a source being reopened is progress, a capture thread blocked in a read is not.
                    if (_capture.IsAlive(CaptureStallLimit)) _listeners.Notifier.PingWatchdogIfDue();
                    // A disarm or snooze meanwhile still silences what is on (wall time: there is no frame time).
                    _outputs.HoldOffIfClosed(DateTimeOffset.UtcNow);
                    continue;
                }
                Process(frame, number, time);
            }
            _outputs.SwitchAllOff();
            _completion.TrySetResult(ended);
        }
        catch (Exception e)
        {
            _outputs.SwitchAllOff();
            LogCrashed(e);
            _firstFrame.TrySetException(e);
            _completion.TrySetException(e);
        }
    }

    private void Process(Mat frame, long number, DateTimeOffset time)
    {
        if (Volatile.Read(ref _offered) is not null) SwapClassifier();
        if (Resting(time))
        {
            // Nothing moves in front of the motion sensor: this frame is not classified; the last result stands.
            _listeners.Statistics.RecordRested();
            _outputs.Tick(time);
            _listeners.Notifier.PingWatchdogIfDue();
            return;
        }
        _lastClassified = time;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        int count = _pipeline.Run(_classifier, frame, number, time, out Classification top, out bool skipped, out StageTimes times);
        if (skipped) _listeners.Statistics.RecordSkipped(); // nothing moved: the last result stands
        long applying = Stopwatch.GetTimestamp();
        ReadOnlySpan<RuleEvent> events = _pipeline.Events;
        for (int i = 0; i < count; i++)
        {
            _outputs.Apply(events[i]);
            _tally.Record(events[i]);
            RuleOptions rule = _pipeline.Engine.Rules[events[i].Rule];
            _listeners.Bus.Publish(new RuleEventMessage(events[i], rule, Armed: !_outputs.Held));
            // A trigger's frame is copied for its snapshot (triggers are rare; nothing is copied on other frames).
            if (events[i].Kind == RuleEventKind.Trigger)
                _listeners.Snapshots.Capture(frame, _pipeline.Region.RectangleFor(frame.Cols, frame.Rows), _classifier.Manifest.Describe(top), top.Probability, events[i], rule);
        }
        _outputs.Tick(time);
        long applied = Stopwatch.GetTimestamp() - applying;
        _listeners.Statistics.Record(Stage.Preprocess, times.Preprocess);
        _listeners.Statistics.Record(Stage.Inference, times.Inference);
        // The decision as the service makes it: the rules, and switching and publishing what they decided.
        _listeners.Statistics.Record(Stage.Decision, times.Decision + applied);
        _listeners.Statistics.RecordClassified(top.ClassIndex, top.Probability);
        _tally.Record(number - 1, top);
        if (!_firstFrame.Task.IsCompleted) SignalReady(top);
        if (Volatile.Read(ref _snapshotRequest) is not null) TakeSnapshot(frame, top, number, time);
        _listeners.Notifier.PingWatchdogIfDue();
        _listeners.Statistics.LoopAllocations.Add(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }

    // Once ready, a throttle that is not awake lets one frame through per idle interval.
    private bool Resting(DateTimeOffset time) =>
        Throttle is { IsAwake: false } throttle && _firstFrame.Task.IsCompleted && time >= _lastClassified && time - _lastClassified < throttle.IdleInterval;

    // Between frames, so no frame sees half of one model and half of another.
    private void SwapClassifier()
    {
        OnnxClassifier next;
        TaskCompletionSource<OnnxClassifier>? swapped;
        lock (_offerGate)
        {
            next = _offered!;
            swapped = _swapped;
            _offered = null;
            _swapped = null;
        }
        OnnxClassifier old = _classifier;
        Volatile.Write(ref _classifier, next);
        _pipeline.ModelChanged(next.Manifest);
        _capture.GrayWanted = FramePipeline.WantsGray(next.Manifest);
        swapped?.TrySetResult(old);
    }

    private void TakeSnapshot(Mat frame, Classification top, long number, DateTimeOffset time)
    {
        SnapshotRequest request;
        lock (_snapshotGate)
        {
            request = _snapshotRequest!;
            _snapshotRequest = null;
        }
        Rect region = _pipeline.Region.RectangleFor(frame.Cols, frame.Rows);
        // A model exported with --cam gives the top class's activation map with every snapshot (a copy, as the frame is).
        ActivationMap? cam = null;
        if (_classifier.Manifest.Cam is { } maps)
        {
            cam = new ActivationMap(new float[maps.Height * maps.Width], maps.Width, maps.Height);
            _classifier.ClassActivationMap(top.ClassIndex, cam.Value.Values);
        }
        request.Promise.TrySetResult(new FrameSnapshot(frame, region, _classifier.Manifest.Describe(top), top.Probability, number, time, request.Requesters) { Cam = cam });
    }

    private void SignalReady(Classification top)
    {
        string label = _classifier.Manifest.Describe(top);
        LogFirstFrame(label, top.Probability);
        _listeners.Notifier.Ready($"classifying; first frame: {label} {top.Probability:P0}");
        _firstFrame.TrySetResult();
    }

    /// <summary>Stops the loop and waits for its thread; the outputs are off when this returns.</summary>
    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive) _thread.Join();
        _outputs.SwitchAllOff();
        // An offer the loop never took is released here; whoever offered it learns that it was not used.
        OnnxClassifier? offered;
        TaskCompletionSource<OnnxClassifier>? swapped;
        lock (_offerGate)
        {
            (offered, swapped) = (_offered, _swapped);
            _offered = null;
            _swapped = null;
        }
        offered?.Dispose();
        swapped?.TrySetCanceled();
        lock (_snapshotGate)
        {
            _snapshotRequest?.Promise.TrySetCanceled();
            _snapshotRequest = null;
        }
    }

    // One copy of the next frame for everyone who asked before it was taken.
    private sealed class SnapshotRequest
    {
        public TaskCompletionSource<FrameSnapshot> Promise { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Requesters { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "first frame classified ({Label}, {Probability:P1}); ready")]
    private partial void LogFirstFrame(string label, float probability);

    [LoggerMessage(Level = LogLevel.Information, Message = "a newer model replaced the one waiting for the next frame; the waiting one was released")]
    private partial void LogSuperseded();

    [LoggerMessage(Level = LogLevel.Critical, Message = "the frame loop failed; outputs switched off")]
    private partial void LogCrashed(Exception exception);
}
