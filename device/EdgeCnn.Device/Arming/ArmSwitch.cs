using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Outputs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Arming;

/// <summary>
/// The device's armed state, and the one place that changes it: the button, the live page, MQTT and the command line
/// (through <see cref="ArmingFile"/>) all end here. Kept in the state directory across restarts; the file is read
/// again within a second of a change, which is how <c>edgecnn-device disarm</c> reaches a running service. While the
/// device is not armed (disarmed, snoozed, quiet hours), rules still run and events are logged, marked as such, but
/// the outputs stay off (<see cref="IOutputGate"/>).
/// </summary>
public sealed partial class ArmSwitch : IOutputGate, IHostedService, IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ArmingOptions _options;
    private readonly Lock _gate = new();
    private ArmingState _state;
    private ArmedMode _lastMode;
    private (DateTime Written, long Length) _fileSeen;
    private ITimer? _poll;

    /// <summary>Reads the kept state from <paramref name="file"/> (or starts as <see cref="ArmingOptions.Armed"/> says).</summary>
    public ArmSwitch(IOptions<ArmingOptions> options, TimeProvider clock, ILogger<ArmSwitch> logger, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        Quiet = _options.ParsedQuietHours();
        File = file ?? ArmingFile.Locate();
        _state = ArmingFile.Read(File, out string? problem) ?? new ArmingState(_options.Armed, null, "settings", clock.GetUtcNow());
        if (problem is not null) LogUnreadable(problem, ArmingState.Name(_state.Armed ? ArmedMode.Armed : ArmedMode.Disarmed));
        _fileSeen = Stamp();
        _lastMode = Mode(clock.GetUtcNow());
    }

    /// <summary>Where the state is kept.</summary>
    public string File { get; }

    /// <summary>The quiet hours in force.</summary>
    public QuietHours Quiet { get; }

    /// <summary>How long a snooze lasts when none is given.</summary>
    public TimeSpan DefaultSnooze => _options.Snooze;

    /// <summary>The state as last set (quiet hours not applied).</summary>
    public ArmingState State => Volatile.Read(ref _state);

    /// <summary>Raised (on the caller's thread or the poll's) when the state or the mode changes.</summary>
    public event Action? Changed;

    /// <summary>The mode at <paramref name="now"/>. Allocates nothing.</summary>
    public ArmedMode Mode(DateTimeOffset now) => State.ModeAt(now, Quiet, _clock.LocalTimeZone);

    /// <inheritdoc />
    public bool AllowsOutputs(DateTimeOffset now) => Mode(now) == ArmedMode.Armed;

    /// <summary>Arms the device (and ends a snooze).</summary>
    public void Arm(string by) => Set((_, now) => new ArmingState(true, null, by, now));

    /// <summary>Disarms the device until it is armed again.</summary>
    public void Disarm(string by) => Set((_, now) => new ArmingState(false, null, by, now));

    /// <summary>Silences the outputs for <paramref name="duration"/> (the default snooze when null); armed or not stays as it is.</summary>
    public void Snooze(TimeSpan? duration, string by) =>
        Set((state, now) => state with { SnoozedUntil = now + (duration ?? _options.Snooze), ChangedBy = by, ChangedAt = now });

    /// <summary>Arms a disarmed device, disarms an armed one.</summary>
    public void Toggle(string by) => Set((state, now) => new ArmingState(!state.Armed, null, by, now));

    // The change is made from the state as it is under the lock, the file read again first if another process (the
    // command line) changed it: two changes at once never undo each other. It is kept in the file before anyone can
    // see it (the page, MQTT, the loop), so a change that was shown survives a crash right after.
    private void Set(Func<ArmingState, DateTimeOffset, ArmingState> change)
    {
        ArmingState next;
        lock (_gate)
        {
            if (Stamp() != _fileSeen && ArmingFile.Read(File, out _) is { } kept) Volatile.Write(ref _state, kept);
            next = change(State, _clock.GetUtcNow());
            try
            {
                ArmingFile.Write(File, next);
                _fileSeen = Stamp();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The device keeps the new state; only a restart would forget it.
                LogCannotKeep(File, e.Message);
            }
            Volatile.Write(ref _state, next);
        }
        Announce(next, _clock.GetUtcNow());
    }

    // Said once per change, whoever made it, and pushed to the reporters.
    private void Announce(ArmingState state, DateTimeOffset now)
    {
        ArmedMode mode = Mode(now);
        lock (_gate) _lastMode = mode;
        LogChanged(Describe(mode, state), state.ChangedBy);
        Changed?.Invoke();
    }

    /// <summary>The mode in words: <c>armed</c>, <c>disarmed</c>, <c>snoozed until 14:05:00</c>, <c>quiet hours (22:00-07:00)</c>.</summary>
    public string Describe(DateTimeOffset now) => Describe(Mode(now), State);

    private string Describe(ArmedMode mode, ArmingState state) => mode switch
    {
        ArmedMode.Snoozed => $"snoozed until {TimeZoneInfo.ConvertTime(state.SnoozedUntil!.Value, _clock.LocalTimeZone):HH:mm:ss}",
        ArmedMode.QuietHours => $"quiet hours ({string.Join(", ", Quiet.Spans)})",
        _ => ArmingState.Name(mode),
    };

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarting(Describe(_clock.GetUtcNow()), File);
        _poll = _clock.CreateTimer(_ => Poll(), null, PollInterval, PollInterval);
        return Task.CompletedTask;
    }

    // Another process (the command line) changed the file, or time moved the mode (a snooze ran out, quiet hours began).
    private void Poll()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        ArmingState? read = null;
        lock (_gate)
        {
            (DateTime, long) stamp = Stamp();
            if (stamp != _fileSeen)
            {
                _fileSeen = stamp;
                read = ArmingFile.Read(File, out string? problem);
                if (problem is not null) LogUnreadable(problem, Describe(now));
                if (read is not null && read != State) Volatile.Write(ref _state, read);
                else read = null;
            }
        }
        if (read is not null)
        {
            Announce(read, now);
            return;
        }
        ArmedMode mode = Mode(now);
        lock (_gate)
        {
            if (mode == _lastMode) return;
            _lastMode = mode;
        }
        LogModeChanged(Describe(now));
        Changed?.Invoke();
    }

    private (DateTime Written, long Length) Stamp()
    {
        var info = new FileInfo(File);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (default, -1);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _poll?.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _poll?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "arming: {Mode} (kept in {File})")]
    private partial void LogStarting(string mode, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "arming: {Mode}, by {By}")]
    private partial void LogChanged(string mode, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "arming: {Mode}")]
    private partial void LogModeChanged(string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "arming: the kept state cannot be read ({Problem}); {Mode}")]
    private partial void LogUnreadable(string problem, string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "arming: the state cannot be kept in {File} ({Reason}); it holds until the service restarts")]
    private partial void LogCannotKeep(string file, string reason);
}
