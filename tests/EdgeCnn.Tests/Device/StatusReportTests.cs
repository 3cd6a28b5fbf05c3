using System.Text.Json;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Http;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Device.Scoring;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;

namespace EdgeCnn.Tests.Device;

/// <summary>The reporters read only <see cref="IDeviceState"/>: here a hand-set one, with no loop running.</summary>
public sealed class StatusReportTests
{
    private sealed class SetState : IDeviceState
    {
        public ModelManifest? Manifest { get; init; }
        public IReadOnlyList<RuleOptions> Rules { get; init; } = [];
        public bool[] Active { get; init; } = [];
        public bool IsRuleActive(int rule) => Active[rule];
        public long[] RuleTriggers { get; init; } = [];
        public long Triggers(int rule) => rule < RuleTriggers.Length ? RuleTriggers[rule] : 0;
        public IReadOnlyList<OutputState> Outputs { get; init; } = [];
        public long ModelReloads { get; init; }
        public string? LastRefusedReload { get; init; }
        public string? LoopEndedReason { get; init; }
        public long DroppedFrames { get; init; }
        public bool? MotionAwake { get; init; }
        public EdgeCnn.Device.Loop.PrecisionChoice? Precision { get; init; }
        public DateTimeOffset StartedAt { get; init; }
        public Task Started => Task.CompletedTask;
        public Task<FrameSnapshot> RequestSnapshot() => Task.FromException<FrameSnapshot>(new InvalidOperationException("no frames here"));
    }

    [Fact]
    public void Health_says_why_the_loop_ended_and_the_status_carries_rules_reloads_and_mqtt_off()
    {
        var state = new SetState
        {
            Manifest = ModelManifest.Load(Repository.File("models/fashion-mnist.json")),
            Rules = [new RuleOptions { Name = "cat-led", Class = "cat", Outputs = ["led"] }],
            Active = [true],
            ModelReloads = 2,
            LastRefusedReload = "a test inference failed",
            LoopEndedReason = "the frame loop failed: camera gone",
            DroppedFrames = 7,
            StartedAt = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero),
        };
        var statistics = new FrameStatistics();

        HealthReport health = HealthReport.Of(state, statistics, TimeSpan.FromSeconds(5));
        Assert.False(health.Healthy);
        Assert.Equal("the frame loop failed: camera gone", health.Reason);

        using JsonDocument status = JsonDocument.Parse(DeviceStatusReport.ToJson(state, new EdgeCnn.Device.Mqtt.MqttCounters(), statistics, health, "/models/m.onnx", state.StartedAt.AddSeconds(90)));
        JsonElement root = status.RootElement;
        Assert.Equal(90, root.GetProperty("uptimeSeconds").GetDouble());
        Assert.Equal("/models/m.onnx", root.GetProperty("model").GetProperty("path").GetString());
        Assert.Equal(2, root.GetProperty("model").GetProperty("reloads").GetInt64());
        Assert.Equal("a test inference failed", root.GetProperty("model").GetProperty("lastRefusedReload").GetString());
        Assert.Equal(7, root.GetProperty("frames").GetProperty("droppedStale").GetInt64());
        JsonElement rule = Assert.Single(root.GetProperty("rules").EnumerateArray());
        Assert.True(rule.GetProperty("active").GetBoolean());
        // MQTT is not configured: no mqtt object.
        Assert.True(!root.TryGetProperty("mqtt", out JsonElement mqtt) || mqtt.ValueKind == JsonValueKind.Null);
    }
}
