using System.Text.Json.Serialization;
using System.Text.Json;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;

namespace EdgeCnn.Device.Http;

/// <summary>What <c>/status</c> shows: the model, uptime, frame rate, per-stage latency, rules and outputs.</summary>
public static class DeviceStatusReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The status as indented JSON.</summary>
    public static string ToJson(IDeviceState service, IMqttStatus mqtt, FrameStatistics statistics, HealthReport health, string modelPath, DateTimeOffset now, ArmSwitch? arming = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(statistics);
        ModelManifest? manifest = service.Manifest;
        (int topClass, float topProbability) = statistics.LastTop;
        IReadOnlyList<RuleOptions> rules = service.Rules;
        var status = new
        {
            healthy = health.Healthy,
            health = health.Reason,
            startedAt = service.StartedAt,
            uptimeSeconds = Math.Round((now - service.StartedAt).TotalSeconds, 1),
            model = manifest is null ? null : new
            {
                path = service.Precision?.Path is { } running ? Path.GetFullPath(running) : modelPath,
                architecture = manifest.Architecture,
                parameters = manifest.ParameterCount,
                sha256 = manifest.ModelSha256,
                labels = manifest.Labels,
                input = new { manifest.Preprocessing.Width, manifest.Preprocessing.Height, manifest.Preprocessing.Channels },
                precision = service.Precision is { } chosen ? new { chosen.Precision, chosen.Why, chosen.Fp32Milliseconds, chosen.Int8Milliseconds } : null,
                reloads = service.ModelReloads,
                lastRefusedReload = service.LastRefusedReload,
            },
            frames = new
            {
                classified = statistics.FramesClassified,
                perSecond = Math.Round(statistics.FramesPerSecond(), 2),
                droppedStale = service.DroppedFrames,
                sourceReconnects = statistics.Reconnects,
                inferencesSkipped = statistics.InferencesSkipped,
                motionSensor = service.MotionAwake is { } awake ? new { awake, rate = awake ? "full" : "idle", framesNotClassified = statistics.FramesRested } : null,
                secondsSinceLast = statistics.SinceLastFrame is { } since ? Math.Round(since.TotalSeconds, 3) : (double?)null,
            },
            top = manifest is null || topClass < 0 ? null : new
            {
                @class = manifest.Describe(new Classification(topClass, topProbability)),
                label = manifest.Labels[topClass],
                probability = Math.Round(topProbability, 4),
            },
            latencyMs = Enum.GetValues<Stage>().ToDictionary(stage => JsonNamingPolicy.CamelCase.ConvertName(stage.ToString()), stage =>
            {
                (double p50, double p95, double p99) = statistics.Latency(stage);
                return new { p50 = Math.Round(p50, 3), p95 = Math.Round(p95, 3), p99 = Math.Round(p99, 3) };
            }),
            rules = rules.Select((rule, i) => new
            {
                name = rule.Name,
                @class = rule.Class,
                active = service.IsRuleActive(i),
                triggers = service.Triggers(i),
                outputs = rule.Outputs,
            }),
            arming = arming is null ? null : Arming(arming, now),
            outputs = service.Outputs.Select(output => new { name = output.Name, on = output.IsOn }),
            mqtt = mqtt.Enabled ? new { connected = mqtt.Connected, eventsPublished = mqtt.Published, eventsDropped = mqtt.Dropped } : null,
        };
        return JsonSerializer.Serialize(status, Json);
    }

    private static object Arming(ArmSwitch arming, DateTimeOffset now)
    {
        ArmingState state = arming.State;
        ArmedMode mode = arming.Mode(now);
        return new
        {
            mode = ArmingState.Name(mode),
            outputsAllowed = mode == ArmedMode.Armed,
            armed = state.Armed,
            snoozedUntil = mode == ArmedMode.Snoozed ? state.SnoozedUntil : null,
            quietHours = arming.Quiet.Spans,
            changedBy = state.ChangedBy,
            changedAt = state.ChangedAt,
        };
    }
}
