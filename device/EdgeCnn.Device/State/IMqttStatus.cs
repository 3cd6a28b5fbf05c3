namespace EdgeCnn.Device.State;

/// <summary>What the MQTT publisher says about itself, read-only: the status page and metrics read it.</summary>
public interface IMqttStatus
{
    /// <summary>Whether publishing is configured.</summary>
    bool Enabled { get; }

    /// <summary>Whether the client is connected to the broker now.</summary>
    bool Connected { get; }

    /// <summary>Events published (acknowledged by the broker).</summary>
    long Published { get; }

    /// <summary>Events dropped because the queue was full while the broker was away or slow.</summary>
    long Dropped { get; }
}
