using System.Text.Json;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Vision;

namespace EdgeCnn.Device.Mqtt;

/// <summary>
/// Home Assistant MQTT discovery: one binary sensor per rule (on while the rule is active), one sensor for the
/// top class, a switch that arms and disarms the device, a button that snoozes it and, with event snapshots on MQTT,
/// a camera showing the last event, grouped under one device, all going unavailable with the device's availability topic.
/// </summary>
public static class HomeAssistantDiscovery
{
    /// <summary>The (topic, retained payload) pairs to publish.</summary>
    public static IEnumerable<(string Topic, string Payload)> Configs(MqttOptions options, MqttTopics topics, IReadOnlyList<RuleOptions> rules, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(manifest);
        string deviceId = options.EffectiveDeviceId;
        Dictionary<string, object> device = Device(deviceId, manifest);
        foreach (RuleOptions rule in rules) yield return RuleSensor(topics, device, deviceId, rule);
        if (options.EventSnapshots)
        {
            yield return (topics.Discovery("camera", "last_event"), Entity(topics, device, new()
            {
                ["name"] = "Last event",
                ["unique_id"] = $"edgecnn_{deviceId}_last_event",
                ["topic"] = topics.Snapshot,
            }));
        }
        yield return (topics.Discovery("switch", "armed"), Entity(topics, device, new()
        {
            ["name"] = "Armed",
            ["unique_id"] = $"edgecnn_{deviceId}_armed",
            ["icon"] = "mdi:shield-home",
            ["state_topic"] = topics.Armed,
            ["command_topic"] = topics.ArmedSet,
            ["payload_on"] = "ON",
            ["payload_off"] = "OFF",
        }));
        yield return (topics.Discovery("button", "snooze"), Entity(topics, device, new()
        {
            ["name"] = "Snooze",
            ["unique_id"] = $"edgecnn_{deviceId}_snooze",
            ["icon"] = "mdi:alarm-snooze",
            ["command_topic"] = topics.ArmedSet,
            ["payload_press"] = "SNOOZE",
        }));
        yield return (topics.Discovery("sensor", "top_class"), Entity(topics, device, new()
        {
            ["name"] = "Top class",
            ["unique_id"] = $"edgecnn_{deviceId}_top_class",
            ["state_topic"] = topics.State,
            ["value_template"] = "{{ value_json.top }}",
            ["json_attributes_topic"] = topics.State,
        }));
    }

    // The one device every entity belongs to.
    private static Dictionary<string, object> Device(string deviceId, ModelManifest manifest) => new()
    {
        ["identifiers"] = new[] { $"edgecnn_{deviceId}" },
        ["name"] = $"EdgeCnn {deviceId}",
        ["manufacturer"] = "EdgeCnn",
        ["model"] = manifest.Architecture,
    };

    // On while the rule is active.
    private static (string Topic, string Payload) RuleSensor(MqttTopics topics, Dictionary<string, object> device, string deviceId, RuleOptions rule)
    {
        string objectId = TopicLevel.Of(rule.Name);
        return (topics.Discovery("binary_sensor", objectId), Entity(topics, device, new()
        {
            ["name"] = $"{rule.Name} ({rule.Class})",
            ["unique_id"] = $"edgecnn_{deviceId}_{objectId}",
            ["state_topic"] = topics.RuleState(rule.Name),
            ["payload_on"] = "ON",
            ["payload_off"] = "OFF",
        }));
    }

    // Every entity goes unavailable with the device's availability topic and belongs to the one device.
    private static string Entity(MqttTopics topics, Dictionary<string, object> device, Dictionary<string, object> config)
    {
        config["availability_topic"] = topics.Availability;
        config["payload_available"] = "online";
        config["payload_not_available"] = "offline";
        config["device"] = device;
        return JsonSerializer.Serialize(config);
    }
}
