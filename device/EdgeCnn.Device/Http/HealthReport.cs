using System.Globalization;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;

namespace EdgeCnn.Device.Http;

/// <summary>Whether frames are flowing, and if not, why: what <c>/healthz</c> answers.</summary>
/// <param name="Healthy">Frames are being classified.</param>
/// <param name="Reason">One line for a person or a probe's log.</param>
public readonly record struct HealthReport(bool Healthy, string Reason)
{
    /// <summary>Judges the loop: healthy when a frame was classified within <paramref name="staleAfter"/>.</summary>
    public static HealthReport Of(IDeviceState service, FrameStatistics statistics, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(statistics);
        if (service.LoopEndedReason is { } ended) return new(false, ended);
        TimeSpan? since = statistics.SinceLastFrame;
        long reconnects = statistics.Reconnects;
        if (since is null)
            return new(false, string.Create(CultureInfo.InvariantCulture, $"starting: no frame classified yet ({reconnects} source reconnects)"));
        if (since > staleAfter)
            return new(false, string.Create(CultureInfo.InvariantCulture,
                $"no frame classified for {since.Value.TotalSeconds:0.0} s ({reconnects} source reconnects so far); is the camera connected? 'edgecnn-device check' tests it"));
        return new(true, string.Create(CultureInfo.InvariantCulture,
            $"ok: {statistics.FramesClassified} frames classified, {statistics.FramesPerSecond():0.0} frames/s"));
    }
}
