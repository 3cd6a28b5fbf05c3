using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// Arming and disarming the running device from the places a user has: the command line on the same machine, the live
/// page (only from the page itself), MQTT (Home Assistant's switch and a snooze command); while not armed, rules still
/// run and events are logged as not armed, and no output goes on; the state survives a restart. The real executable,
/// a real mosquitto, a real HTTP client.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ArmingTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<Process> _devices = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        foreach (Process device in _devices)
        {
            if (!device.HasExited) device.Kill(entireProcessTree: true);
            device.WaitForExit();
            device.Dispose();
        }
        _http.Dispose();
        _folder.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Dictionary<string, string> Environment(int httpPort, int brokerPort) => new()
    {
        ["STATE_DIRECTORY"] = _folder["state"],
        ["EDGECNN_Model__Path"] = Repository.File("models/fashion-mnist.onnx"),
        ["EDGECNN_Source__Path"] = Repository.File("models/samples/fashion-mnist-scene.mp4"),
        ["EDGECNN_Events__Directory"] = _folder["events"],
        ["EDGECNN_Source__StopAtEnd"] = "false",
        ["EDGECNN_Source__Loop"] = "true",
        ["EDGECNN_Source__Realtime"] = "false",
        ["EDGECNN_Source__TruthFile"] = "",
        ["EDGECNN_Http__Enabled"] = "true",
        ["EDGECNN_Http__Urls"] = $"http://127.0.0.1:{httpPort}",
        ["EDGECNN_Mqtt__Enabled"] = "true",
        ["EDGECNN_Mqtt__Host"] = "127.0.0.1",
        ["EDGECNN_Mqtt__Port"] = $"{brokerPort}",
        ["EDGECNN_Mqtt__Username"] = MosquittoBroker.User,
        ["EDGECNN_Mqtt__Password"] = MosquittoBroker.Password,
        ["EDGECNN_Mqtt__DeviceId"] = "porch",
        ["EDGECNN_Mqtt__HomeAssistantDiscovery"] = "true",
        ["EDGECNN_Arming__Snooze"] = "00:05:00",
    };

    private Process Start(Dictionary<string, string> environment)
    {
        Directory.CreateDirectory(_folder["state"]);
        Process device = DeviceProcess.Start(["run", "--config", Repository.File("models/demo-settings.json")], environment, _output);
        _devices.Add(device);
        return device;
    }

    private async Task<JsonElement> StatusAsync(string url)
    {
        using JsonDocument status = JsonDocument.Parse(await _http.GetStringAsync(url + "status"));
        return status.RootElement.Clone();
    }

    private async Task<JsonElement> WaitForModeAsync(string url, string mode, Process device)
    {
        var waited = Stopwatch.StartNew();
        JsonElement last = default;
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(device.HasExited, string.Join('\n', _output));
            try
            {
                last = await StatusAsync(url);
                if (last.TryGetProperty("arming", out JsonElement arming) && arming.GetProperty("mode").GetString() == mode) return arming;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        Assert.Fail($"the device did not become {mode}; last status: {last}\n{string.Join('\n', _output)}");
        return default;
    }

    // edgecnn-device VERB on the same machine: it finds the service's state directory as the service does.
    private void Command(params string[] arguments)
    {
        var output = new ConcurrentQueue<string>();
        using Process command = DeviceProcess.Start([.. arguments, "--config", Repository.File("models/demo-settings.json")],
            new() { ["STATE_DIRECTORY"] = _folder["state"] }, output);
        command.WaitForExit();
        Assert.True(command.ExitCode == 0, string.Join('\n', output));
    }

    private async Task<HttpResponseMessage> PostAsync(string url, string action, string? header, string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{url}arming?action={action}");
        if (header is not null) request.Headers.Add("X-EdgeCnn-Request", header);
        if (origin is not null) request.Headers.Add("Origin", origin);
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task The_command_line_the_page_and_MQTT_arm_and_disarm_the_running_device_and_the_state_survives_a_restart()
    {
        using var broker = new MosquittoBroker(_folder["broker"]);
        await using MqttSubscriber mqtt = await MqttSubscriber.Connect(broker.Port);
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}/";
        Process device = Start(Environment(port, broker.Port));
        await WaitForModeAsync(url, "armed", device);
        Assert.True(mqtt.WaitFor("homeassistant/switch/porch/armed/config", p => p.Contains("\"command_topic\":\"edgecnn/porch/armed/set\""), TimeSpan.FromSeconds(20)),
            string.Join('\n', mqtt.Messages.Select(m => m.Topic)));
        Assert.True(mqtt.WaitFor("edgecnn/porch/armed", p => p == "ON", TimeSpan.FromSeconds(10)));
        // The demo's clip triggers its rules every few seconds: armed, the outputs go on.
        Assert.True(SpinWait.SpinUntil(() => _output.Any(l => l.Contains("simulated GPIO") && l.EndsWith(" high", StringComparison.Ordinal)), TimeSpan.FromSeconds(60)),
            string.Join('\n', _output));

        // The command line, beside the running service.
        Command("disarm");
        JsonElement arming = await WaitForModeAsync(url, "disarmed", device);
        Assert.Equal("the command line", arming.GetProperty("changedBy").GetString());
        Assert.False(arming.GetProperty("outputsAllowed").GetBoolean());
        Assert.True(mqtt.WaitFor("edgecnn/porch/armed", p => p == "OFF", TimeSpan.FromSeconds(10)));
        // Disarmed: the rules still trigger and their events are logged, marked, but no output goes on.
        int disarmedAt = _output.Count;
        Assert.True(SpinWait.SpinUntil(() => _output.Skip(disarmedAt).Count(l => l.Contains("\"event\":\"trigger\"") && l.Contains("\"armed\":false")) >= 2,
            TimeSpan.FromSeconds(60)), string.Join('\n', _output.Skip(disarmedAt)));
        Assert.DoesNotContain(_output.Skip(disarmedAt), l => l.Contains("simulated GPIO") && l.EndsWith(" high", StringComparison.Ordinal));
        Assert.All((await StatusAsync(url)).GetProperty("outputs").EnumerateArray(), o => Assert.False(o.GetProperty("on").GetBoolean()));

        // The page: a request without the page's header, or from another site, is refused; the page's own is done.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(url, "arm", header: null, origin: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(url, "arm", header: "arming", origin: "http://evil.example")).StatusCode);
        Assert.Equal("disarmed", (await StatusAsync(url)).GetProperty("arming").GetProperty("mode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(url, "arm", header: "arming", origin: url.TrimEnd('/'))).StatusCode);
        Assert.Equal("the live page", (await WaitForModeAsync(url, "armed", device)).GetProperty("changedBy").GetString());

        // MQTT: Home Assistant's switch, and a snooze with its length.
        await mqtt.Publish("edgecnn/porch/armed/set", "OFF");
        Assert.Equal("MQTT", (await WaitForModeAsync(url, "disarmed", device)).GetProperty("changedBy").GetString());
        await mqtt.Publish("edgecnn/porch/armed/set", "ON");
        await WaitForModeAsync(url, "armed", device);
        await mqtt.Publish("edgecnn/porch/armed/set", "SNOOZE 45m");
        arming = await WaitForModeAsync(url, "snoozed", device);
        DateTimeOffset until = arming.GetProperty("snoozedUntil").GetDateTimeOffset();
        Assert.InRange(until - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(44), TimeSpan.FromMinutes(45));

        // A restart keeps it: still snoozed, until the same time.
        device.Kill();
        device.WaitForExit();
        Process again = Start(Environment(port, broker.Port));
        arming = await WaitForModeAsync(url, "snoozed", again);
        Assert.Equal(until, arming.GetProperty("snoozedUntil").GetDateTimeOffset());
        Assert.Contains("edgecnn_armed{mode=\"snoozed\"} 1", await _http.GetStringAsync(url + "metrics"));
    }
}
