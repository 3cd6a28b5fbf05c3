using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Outputs;

/// <summary>Whether a steady or on/off-patterned output should be on, from when it was activated.</summary>
internal struct OutputPattern(OutputOptions options)
{
    private DateTimeOffset? _activeSince;

    public readonly bool Active => _activeSince is not null;

    public void Activate(DateTimeOffset now) => _activeSince ??= now;

    public void Deactivate() => _activeSince = null;

    public readonly bool ShouldBeOn(DateTimeOffset now)
    {
        if (_activeSince is not DateTimeOffset since) return false;
        if (!options.Blinks) return true;
        long period = options.OnMilliseconds + options.OffMilliseconds;
        long phase = (long)(now - since).TotalMilliseconds % period;
        return phase < options.OnMilliseconds;
    }
}
