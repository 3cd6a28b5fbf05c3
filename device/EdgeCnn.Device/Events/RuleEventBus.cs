using System.Threading.Channels;

namespace EdgeCnn.Device.Events;

/// <summary>
/// Carries rule events from the frame loop to whoever reports them (the event log and the MQTT publisher), each through its own
/// bounded queue, so a slow reader never blocks the loop: when a queue is full the event is dropped and counted.
/// </summary>
public sealed class RuleEventBus
{
    private readonly List<Subscription> _subscriptions = [];
    private Subscription[] _snapshot = [];

    /// <summary>A reader's queue and how many events it missed.</summary>
    public sealed class Subscription(string name, int capacity)
    {
        private long _dropped;

        /// <summary>Who reads it, for logs.</summary>
        public string Name { get; } = name;

        internal Channel<RuleEventMessage> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<RuleEventMessage>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });

        /// <summary>The events, in the order the loop published them.</summary>
        public ChannelReader<RuleEventMessage> Reader => Channel.Reader;

        /// <summary>Events dropped because the queue was full.</summary>
        public long Dropped => Interlocked.Read(ref _dropped);

        internal void Offer(in RuleEventMessage message)
        {
            if (!Channel.Writer.TryWrite(message)) Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Adds a reader with a queue of <paramref name="capacity"/> events. Subscribe before the loop starts.</summary>
    public Subscription Subscribe(string name, int capacity = 256)
    {
        var subscription = new Subscription(name, capacity);
        lock (_subscriptions)
        {
            _subscriptions.Add(subscription);
            _snapshot = [.. _subscriptions];
        }
        return subscription;
    }

    /// <summary>Offers an event to every reader without waiting.</summary>
    public void Publish(in RuleEventMessage message)
    {
        foreach (Subscription subscription in Volatile.Read(ref _snapshot)) subscription.Offer(message);
    }

    /// <summary>Tells every reader that no more events come.</summary>
    public void Complete()
    {
        foreach (Subscription subscription in Volatile.Read(ref _snapshot)) subscription.Channel.Writer.TryComplete();
    }
}
