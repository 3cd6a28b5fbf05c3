using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Outputs;

/// <summary>
/// What every output shares: on while its rule is active, steadily or in an on/off pattern that follows the frame
/// timestamps, with only transitions reaching the hardware, and always off once disposed. Subclasses say how to
/// switch the device and what to release.
/// </summary>
public abstract class PatternedOutput : IDeviceOutput
{
    private OutputPattern _pattern;
    private bool _disposed;

    /// <summary>Keeps the options; the subclass brings the hardware up, off.</summary>
    protected PatternedOutput(OutputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _pattern = new OutputPattern(options);
    }

    /// <summary>The output's options.</summary>
    protected OutputOptions Options { get; }

    /// <inheritdoc />
    public string Name => Options.Name;

    /// <inheritdoc />
    public bool IsOn { get; private set; }

    /// <inheritdoc />
    public void Activate(DateTimeOffset now)
    {
        _pattern.Activate(now);
        Apply(_pattern.ShouldBeOn(now));
    }

    /// <inheritdoc />
    public void Deactivate()
    {
        _pattern.Deactivate();
        Apply(false);
    }

    /// <inheritdoc />
    public void Tick(DateTimeOffset now)
    {
        if (_pattern.Active) Apply(_pattern.ShouldBeOn(now));
    }

    /// <summary>Physically switches the device on or off.</summary>
    protected abstract void Switch(bool on);

    /// <summary>Releases the hardware; called once, after the device has been switched off.</summary>
    protected abstract void Release();

    // Only transitions reach the hardware: a frame loop ticks far more often than a pattern changes.
    private void Apply(bool on)
    {
        if (on == IsOn) return;
        Switch(on);
        IsOn = on;
    }

    /// <summary>Switches the device off, whatever its rule is doing, then releases the hardware.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Switch(false);
        IsOn = false;
        Release();
        GC.SuppressFinalize(this);
    }
}
