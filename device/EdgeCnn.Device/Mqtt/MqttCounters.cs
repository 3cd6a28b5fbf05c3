using EdgeCnn.Device.Events;
using EdgeCnn.Device.State;

namespace EdgeCnn.Device.Mqtt;

/// <summary>
/// The MQTT publisher's own counters: only it writes them; reporters get their read-only side
/// (<see cref="IMqttStatus"/>). Safe to read from any thread.
/// </summary>
public sealed class MqttCounters : IMqttStatus
{
    private long _published;
    private volatile RuleEventBus.Subscription? _queue;
    private volatile bool _connected;

    /// <summary>Whether publishing is configured (the publisher has its event queue).</summary>
    public bool Enabled => _queue is not null;

    /// <summary>Whether the client is connected to the broker now.</summary>
    public bool Connected
    {
        get => _connected;
        set => _connected = value;
    }

    /// <summary>Events published (acknowledged by the broker).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Events dropped because the queue was full while the broker was away or slow; counted by the queue itself, so it is current even while the publisher waits for the broker.</summary>
    public long Dropped => _queue?.Dropped ?? 0;

    /// <summary>The publisher's event queue, whose drops <see cref="Dropped"/> reports.</summary>
    public void Track(RuleEventBus.Subscription queue) => _queue = queue;

    /// <summary>Counts one published event.</summary>
    public void CountPublished() => Interlocked.Increment(ref _published);
}
