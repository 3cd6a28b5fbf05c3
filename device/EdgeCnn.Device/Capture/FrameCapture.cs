using System.Diagnostics;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Capture;

/// <summary>
/// The capture thread: reads frames from the source into <see cref="LatestFrame"/>, stamps them, and reopens a
/// lost source with backoff (doubling from <see cref="SourceOptions.ReopenDelay"/> to
/// <see cref="SourceOptions.ReopenMaxDelay"/>), so an unplugged camera, a dead pipe or a driver that throws never
/// stops the service.
/// </summary>
/// <remarks>
/// Only the end of a clip with <see cref="SourceOptions.StopAtEnd"/> ends the stream cleanly. A clip whose reading
/// throws, that cannot be opened or of which no frame decodes (it will not change, so it is not retried), or a
/// failure of the thread itself, completes the stream with that failure, so the frame loop fails and the service
/// exits non-zero (and systemd restarts it).
/// <para>
/// Timestamps are the wall clock for cameras and for clips played in real time, and the clip's own time
/// (frame number / frame rate) for clips processed frame by frame, so rules behave the same however fast the
/// machine is.
/// </para>
/// </remarks>
public sealed partial class FrameCapture : IDisposable
{
    private readonly SourceOptions _options;
    private readonly Func<IFrameSource> _open;
    private readonly LatestFrame _frames;
    private readonly FrameStatistics _statistics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _heartbeat = Stopwatch.GetTimestamp();
    private bool _disposed;
    private volatile bool _grayWanted;

    /// <summary>Prepares the thread; <see cref="Start"/> starts it.</summary>
    public FrameCapture(SourceOptions options, Func<IFrameSource> open, LatestFrame frames, FrameStatistics statistics, TimeProvider clock, ILogger<FrameCapture> logger)
    {
        _options = options;
        _open = open;
        _frames = frames;
        _statistics = statistics;
        _clock = clock;
        _logger = logger;
        _thread = new Thread(Run) { Name = "edgecnn capture", IsBackground = true };
    }

    /// <summary>Whether the capture thread made progress (a frame, or a reopening attempt) within <paramref name="within"/>.</summary>
    public bool IsAlive(TimeSpan within) =>
        Stopwatch.GetElapsedTime(Interlocked.Read(ref _heartbeat)) < within && _thread.IsAlive;

    /// <summary>Where the newest frame waits for the loop.</summary>
    public LatestFrame Frames => _frames;

    /// <summary>
    /// Whether the model wants gray (1 channel): the source is asked for gray frames before its next read, and
    /// delivers them where it can without a colour conversion (<see cref="IFrameSource.DeliverGray"/>). Set by
    /// whoever changes the model, from any thread.
    /// </summary>
    public bool GrayWanted
    {
        get => _grayWanted;
        set => _grayWanted = value;
    }

    /// <summary>Starts capturing.</summary>
    public void Start() => _thread.Start();

    private bool FrameByFrame => _options.IsClip && !_options.Realtime;

    private void Run()
    {
        var state = new CaptureState { Delay = _options.ReopenDelay, ClipFps = _options.FramesPerSecond, ClipStart = _clock.GetUtcNow() };
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Beat();
                Next next = state.Source is null ? Open(ref state) : Next.Proceed;
                if (next == Next.Proceed) next = AskForWantedFrames(ref state);
                if (next == Next.Proceed) next = CaptureFrame(ref state);
                if (next == Next.Stop) break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing the source throws may end capturing silently: the loop would starve and only the watchdog notice.
            LogCrashed(e);
            _frames.Complete(e);
        }
        finally
        {
            state.Source?.Dispose();
        }
    }

    // What one step of the capture loop leaves to do: go on to the next step, start the loop over, or stop capturing.
    private enum Next
    {
        Proceed,
        Restart,
        Stop,
    }

    // What the capture thread keeps from one pass of its loop to the next; only that thread touches it.
    private struct CaptureState
    {
        public IFrameSource? Source;
        public bool? AskedGray; // what the open source was last asked for
        public TimeSpan Delay;
        public long FrameNumber;
        public double ClipFps;
        public DateTimeOffset ClipStart;
        public long PaceStart;
    }

    private Next Open(ref CaptureState state)
    {
        try
        {
            state.Source = _open();
            state.AskedGray = null;
            state.ClipFps = FrameSourceFactory.ClipFramesPerSecond(state.Source, _options);
            state.PaceStart = Stopwatch.GetTimestamp() - (long)(state.FrameNumber / state.ClipFps * Stopwatch.Frequency);
            LogOpened(state.Source.Description);
            return Next.Proceed;
        }
        catch (Exception e) when (e is not OutOfMemoryException && _options.StopAtEnd)
        {
            // A clip played to its end will not change: retrying would wait forever for nothing.
            _frames.Complete(new IOException($"the clip cannot be played: {e.Message}", e));
            return Next.Stop;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCannotOpen(e.Message, state.Delay.TotalSeconds);
            Wait(ref state.Delay);
            return Next.Restart;
        }
    }

    // Asks the open source for gray or colour frames when the model's wish has changed since it was last asked.
    private Next AskForWantedFrames(ref CaptureState state)
    {
        IFrameSource source = state.Source!;
        bool gray = _grayWanted;
        if (state.AskedGray != gray)
        {
            state.AskedGray = gray;
            if (gray) LogGray(source.DeliverGray(true) ? "gray (the luma plane, no colour conversion)" : "BGR (this source has no cheaper gray)");
            else if (!source.DeliverGray(false))
            {
                // A source that cannot go back to colour (a file decoding to gray) starts again in colour.
                LogReopenForColour();
                source.Dispose();
                state.Source = null;
                return Next.Restart;
            }
        }
        return Next.Proceed;
    }

    // Reads, stamps and publishes one frame.
    private Next CaptureFrame(ref CaptureState state)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        if (!TryRead(state.Source!, out string? failure)) return NoFrame(ref state, failure);
        _statistics.Record(Stage.Capture, Stopwatch.GetTimestamp() - started);
        state.Delay = _options.ReopenDelay;
        if (_options.IsClip && _options.Realtime && !PaceClip(in state)) return Next.Stop;
        DateTimeOffset time = FrameByFrame ? state.ClipStart + TimeSpan.FromSeconds(state.FrameNumber / state.ClipFps) : _clock.GetUtcNow();
        state.FrameNumber++;
        _statistics.CaptureAllocations.Add(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
        return _frames.Publish(time, waitForReader: FrameByFrame, _stop.Token) ? Next.Proceed : Next.Stop;
    }

    private bool TryRead(IFrameSource source, out string? failure)
    {
        failure = null;
        try
        {
            return source.TryRead(_frames.WriteBuffer);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !_options.StopAtEnd)
        {
            // A live source whose driver throws is a lost source: reopened like one.
            failure = $"reading failed: {e.Message}.";
            return false;
        }
    }

    // No frame came: the end of a clip, a clip of which no frame decodes, or a lost source to reopen after the backoff.
    private Next NoFrame(ref CaptureState state, string? failure)
    {
        IFrameSource source = state.Source!;
        string problem = failure ?? source.LastProblem ?? "no frame";
        source.Dispose();
        state.Source = null;
        if (_options.StopAtEnd && failure is null && state.FrameNumber == 0)
        {
            // It opened, but not one frame decodes: a broken file, not a clip that has ended.
            _frames.Complete(new IOException($"the clip opened but not one frame could be read from it ({problem}); is it a complete video?"));
            return Next.Stop;
        }
        if (_options.StopAtEnd && failure is null)
        {
            LogEnded(problem);
            _frames.Complete();
            return Next.Stop;
        }
        _statistics.RecordReconnect();
        LogLost(problem, state.Delay.TotalSeconds);
        Wait(ref state.Delay);
        return Next.Restart;
    }

    // Play the clip at its own rate, like a camera would deliver it. False when capturing stopped during the wait.
    private bool PaceClip(in CaptureState state)
    {
        long due = state.PaceStart + (long)(state.FrameNumber / state.ClipFps * Stopwatch.Frequency);
        long early = due - Stopwatch.GetTimestamp();
        return !(early > 0 && _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(early / (double)Stopwatch.Frequency)));
    }

    private void Beat() => Interlocked.Exchange(ref _heartbeat, Stopwatch.GetTimestamp());

    // Waits out the backoff in short steps, beating, so the watchdog sees a capture thread that is retrying, not hung.
    private void Wait(ref TimeSpan delay)
    {
        long until = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        while (!_stop.IsCancellationRequested && Stopwatch.GetTimestamp() < until)
        {
            Beat();
            _stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(250, Math.Max(1, (until - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency))));
        }
        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReopenMaxDelay.Ticks));
    }

    /// <summary>Stops the thread and waits for it to close the source.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(5))) LogStuck();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "source opened: {Source}")]
    private partial void LogOpened(string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "the model takes 1 channel: the source delivers {Frames} frames")]
    private partial void LogGray(string frames);

    [LoggerMessage(Level = LogLevel.Information, Message = "the model takes colour now: reopening the source for colour frames")]
    private partial void LogReopenForColour();

    [LoggerMessage(Level = LogLevel.Warning, Message = "source cannot be opened: {Problem} Retrying in {Seconds:0.#} s.")]
    private partial void LogCannotOpen(string problem, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "source lost: {Problem} Reopening in {Seconds:0.#} s.")]
    private partial void LogLost(string problem, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "end of the clip ({Problem}); stopping as Source:StopAtEnd asks.")]
    private partial void LogEnded(string problem);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the capture thread failed")]
    private partial void LogCrashed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the capture thread did not stop within 5 s (a read is blocked in the camera driver)")]
    private partial void LogStuck();
}
