using System.CommandLine;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>fleet --broker HOST</c>: every device the MQTT broker holds retained messages for (availability and state, under
/// <c>edgecnn/</c>), one line each: online, model and its SHA-256, frame rate, arming, last event. Reads only: it never
/// publishes, so it can run as often as wanted.
/// </summary>
internal static class FleetCommand
{
    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "The MQTT broker the devices publish to.", Required = true };
        var port = new Option<int>("--port") { Description = "Its port (1883, or 8883 with --tls).", DefaultValueFactory = _ => 0 };
        var username = new Option<string?>("--username") { Description = "A broker user allowed to read edgecnn/#." };
        var password = new Option<string?>("--password") { Description = "Its password (better: the environment variable EDGECNN_FLEET_PASSWORD)." };
        var tls = new Option<bool>("--tls") { Description = "Connect with TLS, checking the broker's certificate." };
        var prefix = new Option<string>("--prefix") { Description = "The first topic level the devices publish under.", DefaultValueFactory = _ => "edgecnn" };
        var seconds = new Option<double>("--seconds") { Description = "How long to collect the retained messages.", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print JSON (an array, one object per device) instead of a table." };
        var command = new Command("fleet", "List every device the MQTT broker knows: online, model, frame rate, arming, last event.")
        {
            broker, port, username, password, tls, prefix, seconds, json,
        };
        command.SetAction((result, token) => RunAsync(new MqttOptions
        {
            Enabled = true,
            Host = result.GetValue(broker)!,
            Port = result.GetValue(port),
            Username = result.GetValue(username) ?? "",
            Password = result.GetValue(password) ?? Environment.GetEnvironmentVariable("EDGECNN_FLEET_PASSWORD") ?? "",
            UseTls = result.GetValue(tls),
        }, result.GetValue(prefix)!, result.GetValue(seconds), result.GetValue(json), token));
        return command;
    }

    private static async Task<int> RunAsync(MqttOptions mqtt, string prefix, double seconds, bool json, CancellationToken cancellationToken)
    {
        if (seconds is <= 0 or > 60) throw new ConfigurationException($"--seconds is {seconds}; give 0.1 to 60.");
        if (prefix.Length == 0 || prefix.Contains('+') || prefix.Contains('#') || prefix.Contains('/'))
            throw new ConfigurationException($"--prefix '{prefix}': give one topic level, such as edgecnn.");
        var view = new FleetView(prefix);
        var gate = new Lock();
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += received =>
        {
            lock (gate) view.Take(received.ApplicationMessage.Topic, received.ApplicationMessage.ConvertPayloadToString() ?? "");
            return Task.CompletedTask;
        };
        try
        {
            await MqttConnection.ConnectAsync(client, MqttConnection.ClientOptions(mqtt, $"edgecnn-fleet-{Guid.NewGuid():N}"[..23], willTopic: null), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new InvalidOperationException($"cannot connect to the broker {mqtt.Host}:{mqtt.EffectivePort} ({e.Message}); check --broker, --port, --username and the password.", e);
        }
        MqttClientSubscribeOptionsBuilder subscribe = new();
        foreach (string filter in view.Filters) subscribe = subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtMostOnce);
        await client.SubscribeAsync(subscribe.Build(), cancellationToken).ConfigureAwait(false);
        // Retained messages arrive at once after subscribing; the wait only bounds how long a slow broker may take.
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        lock (gate)
        {
            if (json) Console.WriteLine(view.Json(now));
            else foreach (string line in view.Table(now)) Console.WriteLine(line);
            return view.Devices.Count == 0 && !json ? Nothing(mqtt, prefix) : ExitCodes.Success;
        }
    }

    private static int Nothing(MqttOptions mqtt, string prefix)
    {
        Console.Error.WriteLine($"no device has published under {prefix}/ on {mqtt.Host}:{mqtt.EffectivePort} (is Mqtt:Enabled set on the devices, and may this user read {prefix}/#?)");
        return ExitCodes.Failure;
    }
}
