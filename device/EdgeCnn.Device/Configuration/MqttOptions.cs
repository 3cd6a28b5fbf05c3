using System.Text.RegularExpressions;

namespace EdgeCnn.Device.Configuration;

/// <summary>Publishing rule events, state and availability to an MQTT broker (section <c>Mqtt</c>).</summary>
public sealed partial class MqttOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Mqtt";

    /// <summary>Publish to the broker. Off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary>The broker's host name or address.</summary>
    public string Host { get; set; } = "";

    /// <summary>The broker's port; 0 means 1883, or 8883 with <see cref="UseTls"/>.</summary>
    public int Port { get; set; }

    /// <summary>Connect with TLS, checking the broker's certificate against the system's trusted roots.</summary>
    public bool UseTls { get; set; }

    /// <summary>User name, when the broker wants one.</summary>
    public string Username { get; set; } = "";

    /// <summary>Password; never logged. Prefer the environment (EDGECNN_Mqtt__Password) to a file others can read.</summary>
    public string Password { get; set; } = "";

    /// <summary>
    /// Names this device in topics and in Home Assistant; empty means the host name and six hex digits derived from
    /// /etc/machine-id (<c>raspberrypi-3fa2c1</c>), so that two Pis left at the default host name neither knock each
    /// other off the broker nor overwrite each other's retained topics.
    /// </summary>
    public string DeviceId { get; set; } = "";

    /// <summary>The MQTT client id; empty means <c>edgecnn-DEVICEID</c>. Two clients with one id knock each other off.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Where everything is published; empty means <c>edgecnn/DEVICEID</c>.</summary>
    public string TopicPrefix { get; set; } = "";

    /// <summary>How often the state message (top class, probability, frame rate) is published.</summary>
    public TimeSpan StateInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Events held while the broker is away; beyond this the newest are dropped, counted and logged.</summary>
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>
    /// First wait before reconnecting; doubled on each failure up to <see cref="ReconnectMaxDelay"/>. Only a connection
    /// that lasted <see cref="ReconnectMaxDelay"/> starts the doubling afresh: one taken over at once by a client with
    /// the same id does not.
    /// </summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between reconnection attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Publish Home Assistant MQTT discovery configs: a binary sensor per rule, a sensor for the top class.</summary>
    public bool HomeAssistantDiscovery { get; set; }

    /// <summary>
    /// Publish each event snapshot's JPEG (see the <c>Events</c> section; it needs snapshots on), retained, to
    /// PREFIX/snapshot; with discovery, Home Assistant shows it as a camera, "Last event".
    /// </summary>
    public bool EventSnapshots { get; set; }

    /// <summary>Home Assistant's discovery prefix.</summary>
    public string DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>The device id in use: <see cref="DeviceId"/>, or <see cref="DefaultDeviceId"/> of this machine.</summary>
    public string EffectiveDeviceId => DeviceId.Length > 0 ? DeviceId : ThisMachine.Value;

    private static readonly Lazy<string> ThisMachine = new(() => DefaultDeviceId(Environment.MachineName, ReadMachineId()));

    /// <summary>
    /// The host name made safe for topics, then, when the machine has an id, six hex digits of a hash of it (the id
    /// itself is not published: systemd asks that it be kept private).
    /// </summary>
    public static string DefaultDeviceId(string hostName, string? machineId)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        string host = UnsafeTopicCharacters().Replace(hostName.ToLowerInvariant(), "-");
        if (string.IsNullOrWhiteSpace(machineId)) return host;
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("edgecnn:" + machineId.Trim()));
        return $"{host}-{Convert.ToHexStringLower(hash)[..6]}";
    }

    private static string? ReadMachineId()
    {
        try
        {
            return File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id") : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The client id in use.</summary>
    public string EffectiveClientId => ClientId.Length > 0 ? ClientId : $"edgecnn-{EffectiveDeviceId}";

    /// <summary>The topic prefix in use, without a trailing slash.</summary>
    public string EffectiveTopicPrefix => TopicPrefix.Length > 0 ? TopicPrefix.TrimEnd('/') : $"edgecnn/{EffectiveDeviceId}";

    /// <summary>The port in use.</summary>
    public int EffectivePort => Port != 0 ? Port : UseTls ? 8883 : 1883;

    /// <summary>Checks the values (only when enabled); errors name the key and say how to fix it.</summary>
    public void Validate()
    {
        if (!Enabled) return;
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException($"{Section}:Host is empty; set it to the broker's host name or address, e.g. homeassistant.local.");
        if (Port is < 0 or > 65535) throw new ArgumentException($"{Section}:Port is {Port}; use 1 to 65535 (1883 plain, 8883 TLS), or 0 for the default.");
        if (Password.Length > 0 && Username.Length == 0) throw new ArgumentException($"{Section}:Password is set but {Section}:Username is empty; set both or neither.");
        if (DeviceId.Length > 0 && UnsafeTopicCharacters().IsMatch(DeviceId))
            throw new ArgumentException($"{Section}:DeviceId '{DeviceId}' may only hold a-z, 0-9, '-' and '_' (it names topics and Home Assistant entities).");
        foreach ((string key, string topic) in new[] { ("TopicPrefix", TopicPrefix), ("DiscoveryPrefix", DiscoveryPrefix) })
        {
            if (topic.IndexOfAny(['+', '#']) >= 0 || topic.StartsWith('/') || topic.Contains("//", StringComparison.Ordinal))
                throw new ArgumentException($"{Section}:{key} '{topic}' is not a valid topic to publish to: no '+' or '#', no leading '/' or empty levels (e.g. edgecnn/kitchen).");
        }
        if (StateInterval < TimeSpan.FromSeconds(1)) throw new ArgumentException($"{Section}:StateInterval is {StateInterval}; use at least 00:00:01.");
        if (QueueCapacity is < 1 or > 1_000_000) throw new ArgumentException($"{Section}:QueueCapacity is {QueueCapacity}; use 1 to 1000000.");
        if (ReconnectDelay <= TimeSpan.Zero || ReconnectMaxDelay < ReconnectDelay)
            throw new ArgumentException($"{Section}:ReconnectDelay ({ReconnectDelay}) must be positive and no more than {Section}:ReconnectMaxDelay ({ReconnectMaxDelay}).");
    }

    [GeneratedRegex("[^a-z0-9_-]")]
    private static partial Regex UnsafeTopicCharacters();
}
