using Microsoft.Extensions.Configuration;
using OpenCvSharp;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Mqtt;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgeCnn.Tests.Device;

/// <summary>MQTT publishing against a real Mosquitto broker on 127.0.0.1, read by a real MQTT client.</summary>
[Trait("Category", "Integration")]
[Collection(TorchCollection.Name)]
public sealed class MqttTests : IDisposable
{
    private const string Prefix = "edgecnn/test-pi";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Config(object source, int port, object? extra = null) => DeviceConfigFile.Write(_folder[$"device-{Guid.NewGuid():N}.json"], new
    {
        Model = new { Path = ShapesModel.ModelPath, IntraOpThreads = 1, HotReload = false },
        Source = source,
        Gpio = new { Driver = "simulated" },
        Outputs = new[] { new { Name = "led", Type = "Led", Pin = 17 }, new { Name = "buzzer", Type = "ActiveBuzzer", Pin = 27 } },
        Rules = new[] { DeviceConfigFile.Rule("circle-led", "circle", "led"), DeviceConfigFile.Rule("square-buzzer", "square", "buzzer") },
        Mqtt = extra ?? new
        {
            Enabled = true, Host = "127.0.0.1", Port = port, Username = MosquittoBroker.User, Password = MosquittoBroker.Password,
            DeviceId = "test-pi", HomeAssistantDiscovery = true,
        },
    });

    [Fact]
    public async Task Events_arrive_in_order_with_the_payloads_the_log_shows_and_states_are_retained()
    {
        using var broker = new MosquittoBroker(_folder["broker"]);
        await using MqttSubscriber subscriber = await MqttSubscriber.Connect(broker.Port);
        // circle, square, triangle, circle: five events, classified as fast as the machine allows.
        string clip = ShapesClip.Write(_folder["clip.avi"], [(0, 24), (1, 24), (2, 24), (0, 24)]);
        string config = Config(new { Type = "file", Path = clip, Realtime = false, StopAtEnd = true, Region = new { X = 0.5, Width = 0.5 } }, broker.Port);
        var log = new CapturingLoggerProvider();
        using (IHost host = DeviceHost.Build(config, builder => builder.Logging.AddProvider(log), systemFile: null))
        {
            await host.StartAsync();
            await host.WaitForShutdownAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        }
        Assert.True(subscriber.WaitFor($"{Prefix}/availability", p => p == "offline", TimeSpan.FromSeconds(10)), Dump(subscriber));

        List<string> events = subscriber.Payloads($"{Prefix}/events");
        Assert.Equal(log.EventLines(), events);
        // Each rule's own events in order. Across rules, a release and the next trigger can fall on the same frame
        // or one frame apart, depending on the transition frame's probabilities: the log's order is the reference.
        string[] described = [.. events.Select(e => JsonDocument.Parse(e).RootElement).Select(e => $"{e.GetProperty("event").GetString()} {e.GetProperty("rule").GetString()}")];
        Assert.Equal(["trigger circle-led", "release circle-led", "trigger circle-led"], described.Where(e => e.EndsWith("circle-led", StringComparison.Ordinal)));
        Assert.Equal(["trigger square-buzzer", "release square-buzzer"], described.Where(e => e.EndsWith("square-buzzer", StringComparison.Ordinal)));
        Assert.Equal("trigger circle-led", described[0]);
        JsonElement first = JsonDocument.Parse(events[0]).RootElement;
        Assert.Equal("circle", first.GetProperty("class").GetString());
        Assert.True(first.GetProperty("probability").GetDouble() >= 0.7);
        Assert.True(first.GetProperty("frame").GetInt64() > 0);
        Assert.True(DateTimeOffset.TryParse(first.GetProperty("time").GetString(), out _));

        Assert.Equal(["online", "offline"], subscriber.Payloads($"{Prefix}/availability"));
        // Each rule starts OFF, follows its events in order, and is OFF once the service has stopped (its outputs are).
        Assert.Equal(["OFF", "ON", "OFF", "ON", "OFF"], subscriber.Payloads($"{Prefix}/rules/circle-led/state"));
        Assert.Equal(["OFF", "ON", "OFF"], subscriber.Payloads($"{Prefix}/rules/square-buzzer/state"));
        Assert.NotEmpty(subscriber.Payloads($"{Prefix}/state"));
        Assert.All(subscriber.Payloads($"{Prefix}/state"), s => Assert.True(JsonDocument.Parse(s).RootElement.TryGetProperty("framesPerSecond", out _)));

        // Home Assistant discovery: a binary sensor per rule, reading the rule's state topic.
        JsonElement sensor = JsonDocument.Parse(Assert.Single(subscriber.Payloads("homeassistant/binary_sensor/test-pi/circle-led/config"))).RootElement;
        Assert.Equal($"{Prefix}/rules/circle-led/state", sensor.GetProperty("state_topic").GetString());
        Assert.Equal($"{Prefix}/availability", sensor.GetProperty("availability_topic").GetString());
        Assert.Single(subscriber.Payloads("homeassistant/binary_sensor/test-pi/square-buzzer/config"));

        // A later subscriber learns the retained state at once.
        await using MqttSubscriber late = await MqttSubscriber.Connect(broker.Port);
        Assert.True(late.WaitFor($"{Prefix}/availability", p => p == "offline", TimeSpan.FromSeconds(10)));
        Assert.True(late.WaitFor($"{Prefix}/rules/circle-led/state", p => p == "OFF", TimeSpan.FromSeconds(10)));
        Assert.All(late.Messages, m => Assert.True(m.Retained, m.Topic));
        Assert.Empty(late.Payloads($"{Prefix}/events"));

        Assert.Contains(log.Entries, e => e.Message.StartsWith($"MQTT connected to 127.0.0.1:{broker.Port} as edgecnn-test-pi", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(MosquittoBroker.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Event_snapshots_go_to_their_topic_as_jpeg_and_home_assistant_gets_a_camera_for_them()
    {
        using var broker = new MosquittoBroker(_folder["broker"]);
        await using MqttSubscriber subscriber = await MqttSubscriber.Connect(broker.Port);
        string clip = ShapesClip.Write(_folder["clip.avi"], [(0, 24), (1, 24)]);
        string config = Config(new { Type = "file", Path = clip, Realtime = false, StopAtEnd = true, Region = new { X = 0.5, Width = 0.5 } }, broker.Port, new
        {
            Enabled = true, Host = "127.0.0.1", Port = broker.Port, Username = MosquittoBroker.User, Password = MosquittoBroker.Password,
            DeviceId = "test-pi", HomeAssistantDiscovery = true, EventSnapshots = true,
        });
        using (IHost host = DeviceHost.Build(config, builder =>
               {
                   builder.Logging.AddProvider(new CapturingLoggerProvider());
                   builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Events:Directory"] = _folder["events"] });
               }, systemFile: null))
        {
            await host.StartAsync();
            await host.WaitForShutdownAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        }
        Assert.True(subscriber.WaitFor($"{Prefix}/availability", p => p == "offline", TimeSpan.FromSeconds(10)), Dump(subscriber));

        // Both triggers' pictures, each a whole JPEG of the frame, the last one retained.
        MqttSubscriber.Message[] shots = [.. subscriber.Messages.Where(m => m.Topic == $"{Prefix}/snapshot")];
        Assert.True(shots.Length == 2, $"{shots.Length} snapshots; events dir: {string.Join(", ", Directory.GetFiles(_folder["events"]).Select(Path.GetFileName))}; {Dump(subscriber)}");
        foreach (MqttSubscriber.Message shot in shots)
        {
            using Mat picture = Cv2.ImDecode(shot.Bytes, ImreadModes.Color);
            Assert.False(picture.Empty());
        }
        // The event messages name the snapshots the device kept under the same ids.
        string[] ids = [.. subscriber.Payloads($"{Prefix}/events").Select(e => JsonDocument.Parse(e).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "trigger").Select(e => e.GetProperty("id").GetString()!)];
        Assert.Equal(2, ids.Length);
        Assert.All(ids, id => Assert.True(File.Exists(Path.Combine(_folder["events"], id + ".jpg")), id));
        JsonElement camera = JsonDocument.Parse(Assert.Single(subscriber.Payloads("homeassistant/camera/test-pi/last_event/config"))).RootElement;
        Assert.Equal($"{Prefix}/snapshot", camera.GetProperty("topic").GetString());
        await using MqttSubscriber late = await MqttSubscriber.Connect(broker.Port);
        Assert.True(late.WaitFor($"{Prefix}/snapshot", _ => true, TimeSpan.FromSeconds(10)), "the last snapshot is retained");
    }

    [Fact]
    public async Task The_last_will_says_offline_when_the_device_process_is_killed()
    {
        using var broker = new MosquittoBroker(_folder["broker"]);
        await using MqttSubscriber subscriber = await MqttSubscriber.Connect(broker.Port);
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        // The password comes from the environment, as the docs advise; it is never printed.
        string config = Config(new { Type = "file", Path = clip, Loop = true }, broker.Port,
            new { Enabled = true, Host = "127.0.0.1", Port = broker.Port, Username = MosquittoBroker.User, DeviceId = "test-pi" });
        var output = new ConcurrentQueue<string>();
        using Process device = DeviceProcess.Start(["run", "--config", config], new() { ["EDGECNN_Mqtt__Password"] = MosquittoBroker.Password }, output);
        try
        {
            Assert.True(subscriber.WaitFor($"{Prefix}/availability", p => p == "online", TimeSpan.FromSeconds(60)), string.Join("\n", output));
            device.Kill(); // SIGKILL: no goodbye, only the broker's last will.
            device.WaitForExit();
            Assert.True(subscriber.WaitFor($"{Prefix}/availability", p => p == "offline", TimeSpan.FromSeconds(30)), Dump(subscriber));
            Assert.DoesNotContain(output, l => l.Contains(MosquittoBroker.Password, StringComparison.Ordinal));
        }
        finally
        {
            if (!device.HasExited) device.Kill();
        }
    }

    [Fact]
    public async Task With_the_broker_gone_the_device_keeps_classifying_counts_what_it_drops_and_resumes_when_it_returns()
    {
        using var broker = new MosquittoBroker(_folder["broker"]);
        // Circles and squares, a second each, looped in real time: a few events every second.
        string clip = ShapesClip.Write(_folder["clip.avi"], [(0, 12), (1, 12)]);
        string config = Config(new { Type = "file", Path = clip, Loop = true, Region = new { X = 0.5, Width = 0.5 } }, broker.Port, new
        {
            Enabled = true, Host = "127.0.0.1", Port = broker.Port, Username = MosquittoBroker.User, Password = MosquittoBroker.Password,
            DeviceId = "test-pi", QueueCapacity = 2, ReconnectDelay = "00:00:00.2", ReconnectMaxDelay = "00:00:01",
        });
        var log = new CapturingLoggerProvider();
        using IHost host = DeviceHost.Build(config, builder => builder.Logging.AddProvider(log), systemFile: null);
        FrameStatistics statistics = host.Services.GetRequiredService<FrameStatistics>();
        IMqttStatus publisher = host.Services.GetRequiredService<IMqttStatus>();
        await host.StartAsync();
        try
        {
            await using (MqttSubscriber before = await MqttSubscriber.Connect(broker.Port))
            {
                Assert.True(SpinWait.SpinUntil(() => before.Payloads($"{Prefix}/events").Count >= 2, TimeSpan.FromSeconds(60)), Dump(before));
            }

            broker.Stop();
            long framesAtStop = statistics.FramesClassified;
            // More events than the queue holds: the newest are dropped and counted; the loop does not wait.
            Assert.True(SpinWait.SpinUntil(() => publisher.Dropped > 0, TimeSpan.FromSeconds(60)));
            Assert.True(SpinWait.SpinUntil(() => statistics.FramesClassified > framesAtStop + 24, TimeSpan.FromSeconds(30)));
            Assert.False(publisher.Connected);

            broker.Start();
            await using MqttSubscriber after = await MqttSubscriber.Connect(broker.Port);
            Assert.True(after.WaitFor($"{Prefix}/availability", p => p == "online", TimeSpan.FromSeconds(30)), Dump(after));
            Assert.True(SpinWait.SpinUntil(() => after.Payloads($"{Prefix}/events").Count >= 2, TimeSpan.FromSeconds(60)), Dump(after));

            Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unreachable", StringComparison.Ordinal) && e.Message.Contains("keeps classifying", StringComparison.Ordinal));
            Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("events dropped because the queue (2) was full", StringComparison.Ordinal));
            Assert.Equal(2, log.Entries.Count(e => e.Message.StartsWith("MQTT connected", StringComparison.Ordinal)));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Check_connects_to_the_broker_and_names_a_refused_password_or_an_unreachable_broker()
    {
        using var broker = new MosquittoBroker(_folder["broker"]);
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 12)]);
        object Mqtt(string password, int port) => new { Enabled = true, Host = "127.0.0.1", Port = port, Username = MosquittoBroker.User, Password = password, DeviceId = "test-pi" };
        string Check(object mqtt)
        {
            var output = new StringWriter();
            EdgeCnn.Device.Cli.CheckCommand.Run(Config(new { Type = "file", Path = clip }, broker.Port, mqtt), output);
            return output.ToString();
        }

        Assert.Contains($"ok       mqtt     connected to 127.0.0.1:{broker.Port} as user edgecnn; the service publishes under edgecnn/test-pi/", Check(Mqtt(MosquittoBroker.Password, broker.Port)));
        string refused = Check(Mqtt("wrong-password", broker.Port));
        Assert.Contains($"PROBLEM  mqtt     the broker 127.0.0.1:{broker.Port} refused the connection", refused);
        Assert.Contains("check Mqtt:Username and the password", refused);
        Assert.DoesNotContain("wrong-password", refused);
        broker.Stop();
        Assert.Contains($"PROBLEM  mqtt     cannot reach the broker 127.0.0.1:{broker.Port}", Check(Mqtt(MosquittoBroker.Password, broker.Port)));
        await Task.CompletedTask;
    }

    private static string Dump(MqttSubscriber subscriber) => string.Join("\n", subscriber.Messages.Select(m => $"{m.Topic} {m.Payload}"));

    [Fact]
    public void The_default_device_id_is_the_host_name_and_a_digest_of_the_machine_id_so_two_pis_named_alike_differ()
    {
        string first = EdgeCnn.Device.Configuration.MqttOptions.DefaultDeviceId("RaspberryPi", "0a1b2c3d4e5f60718293a4b5c6d7e8f9\n");
        string second = EdgeCnn.Device.Configuration.MqttOptions.DefaultDeviceId("RaspberryPi", "ffeeddccbbaa99887766554433221100\n");
        Assert.Matches("^raspberrypi-[0-9a-f]{6}$", first);
        Assert.NotEqual(first, second);
        Assert.Equal(first, EdgeCnn.Device.Configuration.MqttOptions.DefaultDeviceId("RaspberryPi", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"));
        Assert.DoesNotContain("0a1b2c", first[12..], StringComparison.Ordinal);
        Assert.Equal("raspberrypi", EdgeCnn.Device.Configuration.MqttOptions.DefaultDeviceId("RaspberryPi", null));
        var defaults = new EdgeCnn.Device.Configuration.MqttOptions();
        Assert.Equal($"edgecnn-{defaults.EffectiveDeviceId}", defaults.EffectiveClientId);
    }

    [Fact]
    public void Reconnecting_backs_off_while_connections_are_taken_over_at_once_and_starts_afresh_after_one_that_lasted()
    {
        var backoff = new EdgeCnn.Device.Mqtt.ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        // The broker is away: 1, 2, 4, 8, 8 s.
        Assert.Equal([1, 2, 4, 8, 8], Enumerable.Range(0, 5).Select(_ => backoff.Failed(null).TotalSeconds));
        backoff = new EdgeCnn.Device.Mqtt.ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        // Each connection is taken over within a second (another device with the same client id): still 1, 2, 4, 8.
        Assert.Equal([1, 2, 4, 8], Enumerable.Range(0, 4).Select(_ => backoff.Failed(TimeSpan.FromSeconds(0.3)).TotalSeconds));
        // A connection that held for the longest wait was a good one: the next failure starts at the first wait.
        Assert.Equal(1, backoff.Failed(TimeSpan.FromSeconds(8)).TotalSeconds);
        Assert.Equal(2, backoff.Failed(null).TotalSeconds);
    }
}
