using MQTTnet;

namespace EdgeCnn.Device.Mqtt;

/// <summary>The broker answered but refused the connection (bad credentials, not authorised, banned client id).</summary>
public sealed class BrokerRefusedException : Exception
{
    /// <summary>Makes the exception from the broker's answer.</summary>
    public BrokerRefusedException(MqttClientConnectResultCode resultCode, string? reason)
        : base($"the broker refused the connection: {resultCode}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}")
    {
        ResultCode = resultCode;
    }

    /// <summary>Makes an exception with a message of its own.</summary>
    public BrokerRefusedException()
    {
    }

    /// <summary>Makes an exception with a message of its own.</summary>
    public BrokerRefusedException(string message) : base(message)
    {
    }

    /// <summary>Makes an exception with a message of its own and a cause.</summary>
    public BrokerRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The broker's reason code.</summary>
    public MqttClientConnectResultCode ResultCode { get; }
}
