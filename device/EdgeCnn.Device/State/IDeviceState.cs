using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Vision;

namespace EdgeCnn.Device.State;

/// <summary>
/// What the frame loop is doing, read-only, for the reporters (HTTP status, metrics, health, MQTT; see <see cref="DeviceView"/>): values and copies,
/// nothing that can switch an output or record a frame. The frame loop's side implements it; reporters depend on this
/// alone, so each can be tested without a running loop. Until the loop has started, the model is null and the lists
/// are empty.
/// </summary>
public interface IDeviceState
{
    /// <summary>The running model's manifest (a reloaded model's after a swap); null before start.</summary>
    ModelManifest? Manifest { get; }

    /// <summary>Which twin of the model runs (fp32 or int8) and why; null before start.</summary>
    Loop.PrecisionChoice? Precision { get; }

    /// <summary>The rules, in configuration order.</summary>
    IReadOnlyList<RuleOptions> Rules { get; }

    /// <summary>Whether rule <paramref name="rule"/> is active (its outputs on); a frame late at worst.</summary>
    bool IsRuleActive(int rule);

    /// <summary>How many times rule <paramref name="rule"/> triggered; 0 before start.</summary>
    long Triggers(int rule);

    /// <summary>The outputs and whether each is on, copied now; empty before start.</summary>
    IReadOnlyList<OutputState> Outputs { get; }

    /// <summary>Models swapped in by hot reload.</summary>
    long ModelReloads { get; }

    /// <summary>Why the last replaced model was refused, if one was.</summary>
    string? LastRefusedReload { get; }

    /// <summary>Why the loop is not classifying (it failed, the clip ended, it has not started), or null while it runs.</summary>
    string? LoopEndedReason { get; }

    /// <summary>Whether the motion sensor keeps the loop at full rate now (else it classifies a frame now and then); null without one.</summary>
    bool? MotionAwake { get; }

    /// <summary>Stale frames the loop skipped because a newer one was waiting.</summary>
    long DroppedFrames { get; }

    /// <summary>When the service started.</summary>
    DateTimeOffset StartedAt { get; }

    /// <summary>Completes when the model, outputs and loop are open.</summary>
    Task Started { get; }

    /// <summary>A copy of the next classified frame, owned by the caller (see <see cref="FrameSnapshot"/>).</summary>
    Task<FrameSnapshot> RequestSnapshot();
}
