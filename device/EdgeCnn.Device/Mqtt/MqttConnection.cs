using EdgeCnn.Device.Configuration;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeCnn.Device.Mqtt;

/// <summary>Connecting to the broker, shared by the publisher and the <c>check</c> verb.</summary>
public static class MqttConnection
{
    /// <summary>
    /// The client options for <paramref name="mqtt"/>. With <paramref name="willTopic"/>, the broker publishes
    /// <c>offline</c> there if the client vanishes (power cut, crash, kill -9) without saying goodbye.
    /// </summary>
    public static MqttClientOptions ClientOptions(MqttOptions mqtt, string clientId, string? willTopic)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(mqtt.Host, mqtt.EffectivePort)
            .WithClientId(clientId)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15));
        if (willTopic is not null)
        {
            builder = builder.WithWillTopic(willTopic)
                .WithWillPayload("offline"u8.ToArray())
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }
        if (mqtt.Username.Length > 0) builder = builder.WithCredentials(mqtt.Username, mqtt.Password);
        if (mqtt.UseTls) builder = builder.WithTlsOptions(tls => tls.UseTls());
        return builder.Build();
    }

    /// <summary>
    /// Connects, and throws <see cref="BrokerRefusedException"/> when the broker answers with a refusal: MQTTnet
    /// returns that as a result rather than an exception, and a refused client is not connected.
    /// </summary>
    public static async Task ConnectAsync(IMqttClient client, MqttClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        MqttClientConnectResult result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success) throw new BrokerRefusedException(result.ResultCode, result.ReasonString);
    }
}
