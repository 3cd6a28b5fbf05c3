using OpenCvSharp;

namespace EdgeCnn.Device.Capture;

/// <summary>
/// Hands the newest frame from the capture thread to the frame loop through three reused Mats (one being written,
/// one waiting, one being classified). A frame that is still waiting when a newer one arrives is dropped and
/// counted, so a slow model always works on the newest frame and nothing queues up.
/// </summary>
public sealed class LatestFrame : IDisposable
{
    private readonly object _gate = new();
    private Mat _writing = new();
    private Mat _waiting = new();
    private Mat _reading = new();
    private bool _hasWaiting;
    private bool _completed;
    private DateTimeOffset _waitingTime;
    private long _waitingNumber;
    private long _published;
    private long _dropped;

    /// <summary>The Mat the capture thread reads the next frame into. Only the capture thread touches it.</summary>
    public Mat WriteBuffer => _writing;

    /// <summary>Frames overwritten before the loop took them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Whether the source has ended and every published frame was taken.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate) return _completed && !_hasWaiting;
        }
    }

    /// <summary>
    /// Offers the frame in <see cref="WriteBuffer"/>. With <paramref name="waitForReader"/> (a clip processed
    /// frame by frame) it first waits until the previous frame was taken, so none is dropped; otherwise an untaken
    /// frame is replaced. Returns false when <paramref name="stop"/> was cancelled while waiting.
    /// </summary>
    public bool Publish(DateTimeOffset time, bool waitForReader, CancellationToken stop)
    {
        lock (_gate)
        {
            while (waitForReader && _hasWaiting)
            {
                if (stop.IsCancellationRequested) return false;
                Monitor.Wait(_gate, 50);
            }
            if (_hasWaiting) Interlocked.Increment(ref _dropped);
            (_writing, _waiting) = (_waiting, _writing);
            _hasWaiting = true;
            _waitingTime = time;
            _waitingNumber = ++_published;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Marks the end of the stream: once the waiting frame is taken, <see cref="IsCompleted"/> is true.</summary>
    /// <param name="failure">Why capturing stopped when it failed; null for a clip that ended.</param>
    public void Complete(Exception? failure = null)
    {
        lock (_gate)
        {
            _completed = true;
            Failure = failure;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Why the stream stopped, when capturing failed rather than reaching the end of a clip.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for a frame and takes the newest. The Mat stays valid,
    /// and untouched by the capture thread, until the next call.
    /// </summary>
    public bool TryTake(int timeoutMilliseconds, out Mat frame, out DateTimeOffset time, out long number)
    {
        lock (_gate)
        {
            if (!_hasWaiting && !_completed) Monitor.Wait(_gate, timeoutMilliseconds);
            if (!_hasWaiting)
            {
                frame = _reading;
                time = default;
                number = 0;
                return false;
            }
            (_reading, _waiting) = (_waiting, _reading);
            _hasWaiting = false;
            time = _waitingTime;
            number = _waitingNumber;
            Monitor.PulseAll(_gate);
            frame = _reading;
            return true;
        }
    }

    /// <summary>Releases the three Mats.</summary>
    public void Dispose()
    {
        _writing.Dispose();
        _waiting.Dispose();
        _reading.Dispose();
    }
}
