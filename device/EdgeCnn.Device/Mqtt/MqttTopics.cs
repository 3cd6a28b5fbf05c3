using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Mqtt;

/// <summary>The topics the device publishes to, all under one prefix (default <c>edgecnn/DEVICEID</c>).</summary>
public sealed class MqttTopics(MqttOptions options)
{
    private readonly string _prefix = options.EffectiveTopicPrefix;

    /// <summary><c>online</c> or <c>offline</c>, retained; the broker publishes <c>offline</c> when the device vanishes.</summary>
    public string Availability => $"{_prefix}/availability";

    /// <summary>Every trigger and release as a JSON line, in order (QoS 1, not retained: they are history).</summary>
    public string Events => $"{_prefix}/events";

    /// <summary>The periodic state message (top class, probability, frame rate), retained.</summary>
    public string State => $"{_prefix}/state";

    /// <summary><c>ON</c> while the device is armed by hand, <c>OFF</c> while disarmed; retained (Home Assistant's switch state).</summary>
    public string Armed => $"{_prefix}/armed";

    /// <summary>Where commands arrive: <c>ON</c> arms, <c>OFF</c> disarms, <c>SNOOZE</c> (or <c>SNOOZE 30m</c>) snoozes.</summary>
    public string ArmedSet => $"{_prefix}/armed/set";

    /// <summary>The latest event snapshot (JPEG), retained.</summary>
    public string Snapshot => $"{_prefix}/snapshot";

    /// <summary><c>ON</c> while the rule is active, <c>OFF</c> otherwise; retained, so a new subscriber knows at once.</summary>
    public string RuleState(string rule) => $"{_prefix}/rules/{TopicLevel.Of(rule)}/state";

    /// <summary>Home Assistant's discovery config topic for one entity.</summary>
    public string Discovery(string component, string objectId) =>
        $"{options.DiscoveryPrefix}/{component}/{options.EffectiveDeviceId}/{TopicLevel.Of(objectId)}/config";
}
