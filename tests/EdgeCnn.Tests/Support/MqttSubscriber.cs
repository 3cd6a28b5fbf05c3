using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;

namespace EdgeCnn.Tests.Support;

/// <summary>A real MQTT client that subscribes to everything on a broker and keeps what arrives, in order.</summary>
internal sealed class MqttSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public sealed record Message(string Topic, string Payload, bool Retained, byte[] Bytes);

    public ConcurrentQueue<Message> Messages { get; } = new();

    public static async Task<MqttSubscriber> Connect(int port)
    {
        var subscriber = new MqttSubscriber();
        subscriber._client.ApplicationMessageReceivedAsync += e =>
        {
            subscriber.Messages.Enqueue(new Message(e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString(), e.ApplicationMessage.Retain,
                e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await subscriber._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
            .WithClientId($"test-subscriber-{Guid.NewGuid():N}").WithCredentials(MosquittoBroker.User, MosquittoBroker.Password).Build());
        await subscriber._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("edgecnn/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("homeassistant/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return subscriber;
    }

    /// <summary>Publishes <paramref name="payload"/> to <paramref name="topic"/> (QoS 1, not retained), as Home Assistant sends a command.</summary>
    public Task Publish(string topic, string payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>The payloads published to <paramref name="topic"/>, in order.</summary>
    public List<string> Payloads(string topic) => [.. Messages.Where(m => m.Topic == topic).Select(m => m.Payload)];

    /// <summary>Waits until a message on <paramref name="topic"/> satisfies <paramref name="condition"/>.</summary>
    public bool WaitFor(string topic, Func<string, bool> condition, TimeSpan timeout) =>
        SpinWait.SpinUntil(() => Messages.Any(m => m.Topic == topic && condition(m.Payload)), timeout);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
    }
}
