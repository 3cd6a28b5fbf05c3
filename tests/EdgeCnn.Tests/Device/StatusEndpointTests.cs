using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace EdgeCnn.Tests.Device;

/// <summary>The HTTP status endpoint, served by the real Kestrel and read with a real HTTP client on loopback.</summary>
[Collection(TorchCollection.Name)]
public sealed class StatusEndpointTests : IDisposable
{
    private const string Token = "0123456789abcdef-test-token";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Config(object source, object http) => DeviceConfigFile.Write(_folder["device.json"], new
    {
        Model = new { Path = ShapesModel.ModelPath, IntraOpThreads = 1, HotReload = false },
        Source = source,
        Gpio = new { Driver = "simulated" },
        Outputs = new[] { new { Name = "led", Type = "Led", Pin = 17 } },
        Rules = new[] { DeviceConfigFile.Rule("circle-led", "circle", "led") },
        Http = http,
    });

    private static async Task<(IHost Host, HttpClient Client)> Start(string config, Action<IServiceCollection>? services = null)
    {
        IHost host = DeviceHost.Build(config, builder =>
        {
            builder.Logging.AddProvider(new CapturingLoggerProvider());
            services?.Invoke(builder.Services);
        }, systemFile: null);
        await host.StartAsync();
        string address = Assert.Single(host.Services.GetRequiredService<StatusServer>().Addresses);
        return (host, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
    }

    [Fact]
    public async Task A_snapshot_with_cam_1_lays_the_class_activation_map_over_the_region_when_the_model_has_one()
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        object source = new { Type = "file", Path = clip, Loop = true, Region = new { X = 0.5, Width = 0.5 } };
        object http = new { Enabled = true, Urls = "http://127.0.0.1:0" };

        // The shapes model (convolutions, then dense layers) has no maps: asking for them is a clear 400.
        (IHost host, HttpClient client) = await Start(Config(source, http));
        using (host)
        using (client)
        {
            HttpResponseMessage refused = await client.GetAsync("/snapshot.jpg?cam=1");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("--cam", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await host.StopAsync();
        }

        string camModel = _folder["resnet8-cam.onnx"];
        ShapesModel.WriteUntrained(camModel, architecture: "resnet8", cam: true);
        string config = DeviceConfigFile.Write(_folder["cam.json"], new
        {
            Model = new { Path = camModel, IntraOpThreads = 1, HotReload = false }, Source = source, Gpio = new { Driver = "simulated" },
            Outputs = new[] { new { Name = "led", Type = "Led", Pin = 17 } }, Rules = Array.Empty<object>(), Http = http,
        });
        (host, client) = await Start(config);
        using (host)
        using (client)
        {
            using Mat plain = Cv2.ImDecode(await client.GetByteArrayAsync("/snapshot.jpg"), ImreadModes.Color);
            using Mat withCam = Cv2.ImDecode(await client.GetByteArrayAsync("/snapshot.jpg?cam=1"), ImreadModes.Color);
            Assert.Equal(plain.Size(), withCam.Size());
            // The heat map colours the region (the right half); outside it the two pictures are the same clip frame.
            using Mat plainRegion = new(plain, new Rect(plain.Cols / 2 + 4, 40, plain.Cols / 2 - 8, plain.Rows - 44));
            using Mat camRegion = new(withCam, new Rect(plain.Cols / 2 + 4, 40, plain.Cols / 2 - 8, plain.Rows - 44));
            using var difference = new Mat();
            Cv2.Absdiff(plainRegion, camRegion, difference);
            double change = Cv2.Mean(difference).Val0 + Cv2.Mean(difference).Val1 + Cv2.Mean(difference).Val2;
            Assert.True(change > 30, $"the region changed by only {change:F1} levels summed over the channels");
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Health_status_snapshot_and_metrics_describe_what_the_loop_sees()
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        string config = Config(new { Type = "file", Path = clip, Loop = true, Region = new { X = 0.5, Width = 0.5 } },
            new { Enabled = true, Urls = "http://127.0.0.1:0" });
        (IHost host, HttpClient client) = await Start(config);
        using (host)
        using (client)
        {
            try
            {
                DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
                Assert.True(SpinWait.SpinUntil(() => service.IsRuleActive(0), TimeSpan.FromSeconds(60)), "the circles trigger the rule");

                HttpResponseMessage health = await client.GetAsync("/healthz");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.StartsWith("ok: ", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

                using JsonDocument status = JsonDocument.Parse(await client.GetStringAsync("/status"));
                JsonElement root = status.RootElement;
                Assert.True(root.GetProperty("healthy").GetBoolean());
                Assert.Equal(EdgeCnn.Vision.ModelManifest.Load(Path.ChangeExtension(ShapesModel.ModelPath, ".json")).ModelSha256, root.GetProperty("model").GetProperty("sha256").GetString());
                Assert.True(root.GetProperty("frames").GetProperty("classified").GetInt64() > 0);
                Assert.Equal("circle", root.GetProperty("top").GetProperty("class").GetString());
                Assert.True(root.GetProperty("latencyMs").GetProperty("inference").GetProperty("p50").GetDouble() > 0);
                JsonElement rule = Assert.Single(root.GetProperty("rules").EnumerateArray());
                Assert.Equal("circle-led", rule.GetProperty("name").GetString());
                Assert.True(rule.GetProperty("active").GetBoolean());
                Assert.Equal(1, rule.GetProperty("triggers").GetInt64());
                JsonElement led = Assert.Single(root.GetProperty("outputs").EnumerateArray());
                Assert.True(led.GetProperty("on").GetBoolean());

                HttpResponseMessage snapshot = await client.GetAsync("/snapshot.jpg");
                Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
                Assert.Equal("image/jpeg", snapshot.Content.Headers.ContentType?.MediaType);
                using Mat image = Cv2.ImDecode(await snapshot.Content.ReadAsByteArrayAsync(), ImreadModes.Color);
                // The whole frame (two squares side by side), not only the region the model sees.
                Assert.Equal((2 * ShapesModel.FrameSize, ShapesModel.FrameSize), (image.Cols, image.Rows));

                string metrics = await client.GetStringAsync("/metrics");
                long frames = (long)MetricValue(metrics, "edgecnn_frames_total");
                Assert.True(frames > 0, metrics);
                Assert.Equal(1, MetricValue(metrics, "edgecnn_rule_triggers_total{rule=\"circle-led\"}"));
                Assert.Equal(1, MetricValue(metrics, "edgecnn_rule_active{rule=\"circle-led\"}"));
                Assert.Equal(1, MetricValue(metrics, "edgecnn_output_on{output=\"led\"}"));
                Assert.True(MetricValue(metrics, "edgecnn_inference_seconds_count") > 0);
                Assert.Contains("edgecnn_source_reconnects_total", metrics, StringComparison.Ordinal);
                Assert.Contains("edgecnn_frames_dropped_total", metrics, StringComparison.Ordinal);
            }
            finally
            {
                await host.StopAsync();
            }
        }
    }

    [Fact]
    public async Task Without_the_bearer_token_every_endpoint_but_healthz_answers_401_and_never_the_snapshot()
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        string config = Config(new { Type = "file", Path = clip, Loop = true }, new { Enabled = true, Urls = "http://127.0.0.1:0", BearerToken = Token });
        (IHost host, HttpClient client) = await Start(config);
        using (host)
        using (client)
        {
            try
            {
                await host.Services.GetRequiredService<DeviceRuntime>().FirstFrame.WaitAsync(TimeSpan.FromSeconds(60));
                foreach (string path in new[] { "/status", "/snapshot.jpg", "/metrics" })
                {
                    foreach (string? token in new[] { null, "wrong-token-of-the-same-size", Token + "x" })
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Get, path);
                        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                        HttpResponseMessage response = await client.SendAsync(request);
                        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                        Assert.NotEqual("image/jpeg", response.Content.Headers.ContentType?.MediaType);
                        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
                    }
                }
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                HttpResponseMessage snapshot = await client.GetAsync("/snapshot.jpg");
                Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
                Assert.Equal("image/jpeg", snapshot.Content.Headers.ContentType?.MediaType);
            }
            finally
            {
                await host.StopAsync();
            }
        }
    }

    [Fact]
    public async Task Healthz_answers_503_with_the_reason_when_frames_stop_flowing()
    {
        var random = new Random(5);
        var camera = new FakeCamera([.. Enumerable.Range(0, 5).Select(_ => ShapesDataset.Draw(0, ShapesModel.FrameSize, random, colour: true))]);
        string config = Config(new { Type = "images", Path = _folder.Path, ReopenDelay = "00:00:00.2" },
            new { Enabled = true, Urls = "http://127.0.0.1:0", StaleAfter = "00:00:01", SnapshotTimeout = "00:00:01" });
        try
        {
            (IHost host, HttpClient client) = await Start(config, services => services.AddSingleton<FrameSourceOpener>(_ => camera));
            using (host)
            using (client)
            {
                try
                {
                    await host.Services.GetRequiredService<DeviceRuntime>().FirstFrame.WaitAsync(TimeSpan.FromSeconds(60));
                    // Five frames, then the camera gives nothing: within a second or two the endpoint says so.
                    HttpResponseMessage health;
                    DateTime deadline = DateTime.UtcNow.AddSeconds(30);
                    do
                    {
                        await Task.Delay(200);
                        health = await client.GetAsync("/healthz");
                    }
                    while (health.StatusCode == HttpStatusCode.OK && DateTime.UtcNow < deadline);
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                    Assert.StartsWith("no frame classified for ", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

                    HttpResponseMessage snapshot = await client.GetAsync("/snapshot.jpg");
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, snapshot.StatusCode);
                    Assert.Contains("no frame was classified within 1 s", await snapshot.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                }
                finally
                {
                    await host.StopAsync();
                }
            }
        }
        finally
        {
            camera.Release();
        }
    }

    [Fact]
    public async Task A_port_taken_at_start_is_logged_and_retried_while_the_device_classifies_and_a_foreign_host_gets_400()
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        // Another program holds the port when the device starts.
        var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        string config = Config(new { Type = "file", Path = clip, Loop = true }, new { Enabled = true, Urls = $"http://127.0.0.1:{port}" });
        var log = new CapturingLoggerProvider();
        IHost host = DeviceHost.Build(config, builder => builder.Logging.AddProvider(log), systemFile: null);
        using (host)
        {
            try
            {
                await host.StartAsync();
                StatusServer server = host.Services.GetRequiredService<StatusServer>();
                Assert.Empty(server.Addresses);
                Assert.Contains(log.Lines, l => l.Contains($"the status endpoint cannot listen on Http:Urls http://127.0.0.1:{port}", StringComparison.Ordinal));
                await host.Services.GetRequiredService<DeviceRuntime>().FirstFrame.WaitAsync(TimeSpan.FromSeconds(60));

                // The port is freed: the endpoint comes up on its own.
                squatter.Stop();
                Assert.True(SpinWait.SpinUntil(() => server.Addresses.Count > 0, TimeSpan.FromSeconds(60)), string.Join("\n", log.Lines));
                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/status")).StatusCode);

                // A page on another site that points its own name at 127.0.0.1 (DNS rebinding) is not answered.
                using var foreign = new HttpRequestMessage(HttpMethod.Get, "/status");
                foreign.Headers.Host = $"attacker.example:{port}";
                Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(foreign)).StatusCode);
            }
            finally
            {
                squatter.Stop();
                await host.StopAsync();
            }
        }
    }

    [Fact]
    public void Listening_beyond_this_machine_without_a_token_is_a_configuration_error()
    {
        var open = new EdgeCnn.Device.Configuration.HttpOptions { Enabled = true, Urls = "http://0.0.0.0:8080" };
        ArgumentException error = Assert.Throws<ArgumentException>(open.Validate);
        Assert.StartsWith("Http:Urls (http://0.0.0.0:8080) listens beyond this machine without Http:BearerToken", error.Message, StringComparison.Ordinal);
        open.BearerToken = Token;
        open.Validate();
        new EdgeCnn.Device.Configuration.HttpOptions { Enabled = true, Urls = "http://127.0.0.1:8080;http://localhost:8081" }.Validate();
    }

    [Fact]
    public async Task Two_snapshot_requests_that_share_a_frame_each_own_it_one_giving_up_does_not_take_it_from_the_other()
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        string config = Config(new { Type = "file", Path = clip, Loop = true }, new { Enabled = false });
        IHost host = DeviceHost.Build(config, builder => builder.Logging.AddProvider(new CapturingLoggerProvider()), systemFile: null);
        using (host)
        {
            try
            {
                await host.StartAsync();
                DeviceRuntime service = host.Services.GetRequiredService<DeviceRuntime>();
                Task<FrameSnapshot> first = service.RequestSnapshot(), second = service.RequestSnapshot();
                FrameSnapshot shared = await first.WaitAsync(TimeSpan.FromSeconds(60));
                Assert.Same(shared, await second);
                // The first requester gave up (a timeout) and released its share before the second encoded.
                shared.Dispose();
                using FrameSnapshot mine = await second;
                using Mat image = Cv2.ImDecode(mine.EncodeJpeg(), ImreadModes.Color);
                Assert.Equal(ShapesModel.FrameSize, image.Rows);
            }
            finally
            {
                await host.StopAsync();
            }
        }
    }

    /// <summary>The value of one sample in Prometheus' text format.</summary>
    private static double MetricValue(string metrics, string sample)
    {
        string line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no sample {sample} in:\n{metrics}");
        return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
