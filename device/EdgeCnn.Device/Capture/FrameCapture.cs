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
        TimeSpan delay = _options.ReopenDelay;
        IFrameSource? source = null;
        bool? askedGray = null; // what the open source was last asked for
        long frameNumber = 0;
        double clipFps = _options.FramesPerSecond;
        DateTimeOffset clipStart = _clock.GetUtcNow();
        long paceStart = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Beat();
                if (source is null)
                {
                    try
                    {
                        source = _open();
                        askedGray = null;
                        clipFps = FrameSourceFactory.ClipFramesPerSecond(source, _options);
                        paceStart = Stopwatch.GetTimestamp() - (long)(frameNumber / clipFps * Stopwatch.Frequency);
                        LogOpened(source.Description);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException && _options.StopAtEnd)
                    {
                        // A clip played to its end will not change: retrying would wait forever for nothing.
                        _frames.Complete(new IOException($"the clip cannot be played: {e.Message}", e));
                        return;
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        LogCannotOpen(e.Message, delay.TotalSeconds);
                        Wait(ref delay);
                        continue;
                    }
                }
                bool gray = _grayWanted;
                if (askedGray != gray)
                {
                    askedGray = gray;
                    if (gray) LogGray(source.DeliverGray(true) ? "gray (the luma plane, no colour conversion)" : "BGR (this source has no cheaper gray)");
                    else if (!source.DeliverGray(false))
                    {
                        // A source that cannot go back to colour (a file decoding to gray) starts again in colour.
                        LogReopenForColour();
                        source.Dispose();
                        source = null;
                        continue;
                    }
                }
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                long started = Stopwatch.GetTimestamp();
                bool read;
                string? failure = null;
                try
                {
                    read = source.TryRead(_frames.WriteBuffer);
                }
                catch (Exception e) when (e is not OutOfMemoryException && !_options.StopAtEnd)
                {
                    // A live source whose driver throws is a lost source: reopened like one.
                    read = false;
                    failure = $"reading failed: {e.Message}.";
                }
                if (!read)
                {
                    string problem = failure ?? source.LastProblem ?? "no frame";
                    source.Dispose();
                    source = null;
                    if (_options.StopAtEnd && failure is null && frameNumber == 0)
                    {
                        // It opened, but not one frame decodes: a broken file, not a clip that has ended.
                        _frames.Complete(new IOException($"the clip opened but not one frame could be read from it ({problem}); is it a complete video?"));
                        return;
                    }
                    if (_options.StopAtEnd && failure is null)
                    {
                        LogEnded(problem);
                        _frames.Complete();
                        return;
                    }
                    _statistics.RecordReconnect();
                    LogLost(problem, delay.TotalSeconds);
                    Wait(ref delay);
                    continue;
                }
                _statistics.Record(Stage.Capture, Stopwatch.GetTimestamp() - started);
                delay = _options.ReopenDelay;
                DateTimeOffset time;
                if (_options.IsClip && _options.Realtime)
                {
                    // Play the clip at its own rate, like a camera would deliver it.
                    long due = paceStart + (long)(frameNumber / clipFps * Stopwatch.Frequency);
                    long early = due - Stopwatch.GetTimestamp();
                    if (early > 0 && _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(early / (double)Stopwatch.Frequency))) break;
                }
                time = FrameByFrame ? clipStart + TimeSpan.FromSeconds(frameNumber / clipFps) : _clock.GetUtcNow();
                frameNumber++;
                _statistics.CaptureAllocations.Add(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
                if (!_frames.Publish(time, waitForReader: FrameByFrame, _stop.Token)) break;
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
            source?.Dispose();
        }
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
