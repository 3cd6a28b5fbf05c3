namespace EdgeCnn.Device.Rules;

/// <summary>
/// A timeline that only moves forward, made from frame timestamps: each frame advances it by the time since the
/// previous frame, or by nothing when the clock stepped back (an NTP correction, a Pi without a real-time clock setting
/// its time at boot). Cooldowns and blink patterns measured on it last as long as they should, whatever the wall
/// clock does; a step forward only ends them early. A value type with no allocation.
/// </summary>
public struct SteadyTimeline
{
    private DateTimeOffset _lastWall;
    private DateTimeOffset _now;
    private bool _started;

    /// <summary>Advances to the frame taken at <paramref name="wall"/> and returns the steady time of that frame.</summary>
    public DateTimeOffset Advance(DateTimeOffset wall)
    {
        if (!_started)
        {
            _started = true;
            _now = wall;
        }
        else if (wall > _lastWall)
        {
            _now += wall - _lastWall;
        }
        _lastWall = wall;
        return _now;
    }
}
