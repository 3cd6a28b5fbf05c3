using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// Frames from a program that writes raw YUV 4:2:0 (I420) frames to its standard output: <c>rpicam-vid</c> for the
/// Raspberry Pi camera, which OpenCV cannot open on the libcamera stack, or <c>ffmpeg</c>.
/// </summary>
/// <remarks>
/// Each frame is exactly width*height*3/2 bytes. Frames are read into one reused buffer and converted to BGR
/// through reusable native OpenCV handles, so reading allocates nothing per frame. The program's standard error is
/// drained in the background (rpicam-vid logs a lot) and its last lines explain a failure. With a stall timeout, a
/// program that stays alive but sends no frame for that long is stopped, so that the read ends and the caller can
/// reconnect: a blocked pipe read has no timeout of its own.
/// </remarks>
public sealed class RawYuvPipeSource : IFrameSource
{
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly byte[] _buffer;
    private readonly GCHandle _pinned;
    private readonly Mat _yuv;
    private readonly ReusableCvArguments _yuvArguments;
    private readonly Mat _lumaPlane;
    private readonly ReusableCvArguments _lumaArguments;
    private readonly LumaExpansion _luma = new();
    private bool _gray;
    private readonly Queue<string> _stderrTail = new();
    private readonly ReusableCvArgumentsCache _frameArguments = new();
    private readonly Timer? _stallGuard;
    private readonly long _stallAfter;
    private long _lastFrame = Stopwatch.GetTimestamp();
    private int _stalled;

    /// <summary>Starts <paramref name="command"/> with <paramref name="arguments"/> and reads its frames.</summary>
    /// <param name="command">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="width">Frame width; even.</param>
    /// <param name="height">Frame height; even.</param>
    /// <param name="description">How logs name the source (default: the command line); it must not hold secrets.</param>
    /// <param name="stallTimeout">Stop the program when no frame has come for this long (default: never).</param>
    /// <param name="redact">Applied to each line of the program's standard error before it is kept (e.g. to hide a password).</param>
    public RawYuvPipeSource(string command, IReadOnlyList<string> arguments, int width, int height, string? description = null,
        TimeSpan? stallTimeout = null, Func<string, string>? redact = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(arguments);
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
            throw new ArgumentException($"frame size {width}x{height}: YUV 4:2:0 needs a positive, even width and height.");
        Width = width;
        Height = height;
        Description = description ?? $"{command} {string.Join(' ', arguments)} ({width}x{height} I420 on a pipe)";
        _process = StartProgram(command, arguments);
        KeepStandardErrorTail(redact);
        _stdout = _process.StandardOutput.BaseStream;
        _buffer = new byte[width * height * 3 / 2];
        _pinned = GCHandle.Alloc(_buffer, GCHandleType.Pinned);
        _yuv = Mat.FromPixelData(height * 3 / 2, width, MatType.CV_8UC1, _pinned.AddrOfPinnedObject());
        _yuvArguments = new ReusableCvArguments(_yuv);
        // I420 starts with the full-resolution luma plane: its first `height` rows.
        _lumaPlane = new Mat(_yuv, new Rect(0, 0, width, height));
        _lumaArguments = new ReusableCvArguments(_lumaPlane);
        if (stallTimeout is TimeSpan stall)
        {
            _stallAfter = (long)(stall.TotalSeconds * Stopwatch.Frequency);
            TimeSpan every = TimeSpan.FromMilliseconds(Math.Clamp(stall.TotalMilliseconds / 4, 50, 1000));
            _stallGuard = new Timer(_ => StopIfStalled(), null, every, every);
        }
    }

    // Starts the program with its standard output and error redirected and this process's secrets left out.
    private static Process StartProgram(string command, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        WithoutSecrets(start.Environment);
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"cannot start '{command}' ({e.Message}). For the Raspberry Pi camera install rpicam-apps ('sudo apt install rpicam-apps'), or set the command to the program that writes the frames.", e);
        }
    }

    // Drains the program's standard error in the background, keeping its last lines to explain a failure.
    private void KeepStandardErrorTail(Func<string, string>? redact)
    {
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(redact?.Invoke(e.Data) ?? e.Data);
                while (_stderrTail.Count > 5) _stderrTail.Dequeue();
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// What the program does not need of this process's environment: every <c>EDGECNN_</c> setting (the secrets of
    /// <c>/etc/edgecnn/secrets.env</c>, as the MQTT password and the bearer token, among them) and systemd's notify
    /// and watchdog variables (a child must not speak for the service). The rest (PATH, locale, LIBCAMERA_*) stays.
    /// </summary>
    internal static void WithoutSecrets(IDictionary<string, string?> environment)
    {
        foreach (string name in environment.Keys.ToArray())
        {
            if (name.StartsWith("EDGECNN_", StringComparison.OrdinalIgnoreCase) || name is "NOTIFY_SOCKET" or "WATCHDOG_USEC" or "WATCHDOG_PID" or "LISTEN_FDS" or "LISTEN_PID" or "LISTEN_FDNAMES")
                environment.Remove(name);
        }
    }

    // On the timer: a program that sent no frame for the stall timeout is stopped; the blocked read then ends.
    private void StopIfStalled()
    {
        if (Stopwatch.GetTimestamp() - Interlocked.Read(ref _lastFrame) < _stallAfter || Interlocked.Exchange(ref _stalled, 1) == 1) return;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }

    /// <summary>The default <c>rpicam-vid</c> arguments: no preview, endless, raw YUV420 to standard output.</summary>
    public static string[] RpicamVidArguments(int width, int height, int framesPerSecond) =>
    [
        "--nopreview", "--timeout", "0", "--codec", "yuv420",
        "--width", width.ToString(CultureInfo.InvariantCulture), "--height", height.ToString(CultureInfo.InvariantCulture),
        "--framerate", framesPerSecond.ToString(CultureInfo.InvariantCulture), "--output", "-",
    ];

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public string? LastProblem { get; private set; }

    /// <inheritdoc />
    public bool TryRead(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int read = _stdout.ReadAtLeast(_buffer, _buffer.Length, throwOnEndOfStream: false);
        if (read < _buffer.Length)
        {
            _process.WaitForExit(2000);
            string exit = Volatile.Read(ref _stalled) == 1 ? $"sent no frame for {_stallAfter / (double)Stopwatch.Frequency:0.#} s and was stopped"
                : _process.HasExited ? $"exited with code {_process.ExitCode}" : "closed its output";
            string detail;
            lock (_stderrTail) detail = string.Join(" | ", _stderrTail);
            LastProblem = read == 0
                ? $"{Description}: {exit} at a frame boundary (end of stream). {detail}".TrimEnd()
                : $"{Description}: {exit} after {read} of {_buffer.Length} bytes of a frame; is the frame size right? {detail}".TrimEnd();
            return false;
        }
        ReusableCvArguments output = _frameArguments.For(frame);
        if (_gray) _luma.Expand(_lumaArguments, output);
        else AllocationFreeCv.CvtColor(_yuvArguments, output, ColorConversionCodes.YUV2BGR_I420);
        GC.KeepAlive(frame);
        Interlocked.Exchange(ref _lastFrame, Stopwatch.GetTimestamp());
        LastProblem = null;
        return true;
    }

    /// <summary>Gray is the I420 frame's luma plane, expanded to full range: no colour conversion at all.</summary>
    public bool DeliverGray(bool gray)
    {
        _gray = gray;
        return true;
    }

    /// <summary>Stops the program and releases the buffers.</summary>
    public void Dispose()
    {
        _stallGuard?.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _frameArguments.Dispose();
        _lumaArguments.Dispose();
        _lumaPlane.Dispose();
        _luma.Dispose();
        _yuvArguments.Dispose();
        _yuv.Dispose();
        _pinned.Free();
    }
}
