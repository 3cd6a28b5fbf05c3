using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using System.Text;
using OpenCvSharp;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// The live page, its MJPEG stream and the event snapshots, against the real device on the demo's scene clip, seen
/// by a real HTTP client and by headless Chromium.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LiveViewTests : IDisposable
{
    private const string Token = "0123456789abcdef0123";
    private readonly TempFolder _folder = new();
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _device;

    public void Dispose()
    {
        if (_device is { HasExited: false }) _device.Kill(entireProcessTree: true);
        _device?.WaitForExit();
        _device?.Dispose();
        _folder.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The demo settings, the clip looped and classified as fast as it decodes (events come within seconds), with the
    // endpoint on a free port and the snapshots in a folder of the test's.
    private async Task<string> StartDeviceAsync(string? token = null, int maxCount = 500, Dictionary<string, string>? extra = null)
    {
        int port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["EDGECNN_Model__Path"] = Repository.File("models/fashion-mnist.onnx"),
            ["EDGECNN_Source__Path"] = Repository.File("models/samples/fashion-mnist-scene.mp4"),
            ["EDGECNN_Source__TruthFile"] = "",
            ["EDGECNN_Source__StopAtEnd"] = "false",
            ["EDGECNN_Source__Loop"] = "true",
            ["EDGECNN_Source__Realtime"] = "false",
            ["EDGECNN_Http__Enabled"] = "true",
            ["EDGECNN_Http__Urls"] = $"http://127.0.0.1:{port}",
            ["EDGECNN_Http__BearerToken"] = token ?? "",
            ["EDGECNN_Events__Directory"] = _folder["events"],
            ["EDGECNN_Events__MaxCount"] = $"{maxCount}",
        };
        foreach ((string key, string value) in extra ?? []) environment[key] = value;
        _device = DeviceProcess.Start(["run", "--config", Repository.File("models/demo-settings.json")], environment, _output);
        string url = $"http://127.0.0.1:{port}/";
        using var client = Client(token);
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(_device.HasExited, string.Join('\n', _output));
            try
            {
                if ((await client.GetAsync(url + "status")).IsSuccessStatusCode) return url;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the device's endpoint did not answer: {string.Join('\n', _output)}");
    }

    private static HttpClient Client(string? token = null)
    {
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement[]> EventsAsync(HttpClient client, string url, int atLeast)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using JsonDocument list = JsonDocument.Parse(await client.GetStringAsync(url + "events"));
            JsonElement[] events = [.. list.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone())];
            if (events.Length >= atLeast || waited.Elapsed > TimeSpan.FromSeconds(60)) return events;
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task The_mjpeg_stream_is_a_multipart_series_of_whole_jpeg_frames()
    {
        string url = await StartDeviceAsync();
        using var client = Client();
        using HttpResponseMessage response = await client.GetAsync(url + "stream.mjpg", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("multipart/x-mixed-replace", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("frame", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "boundary").Value);
        using var reader = new BufferedStream(await response.Content.ReadAsStreamAsync());
        for (int part = 0; part < 3; part++)
        {
            Assert.Equal("--frame", ReadLine(reader));
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (string line = ReadLine(reader); line.Length > 0; line = ReadLine(reader))
                headers[line[..line.IndexOf(':')]] = line[(line.IndexOf(':') + 1)..].Trim();
            Assert.Equal("image/jpeg", headers["Content-Type"]);
            var jpeg = new byte[int.Parse(headers["Content-Length"])];
            await reader.ReadExactlyAsync(jpeg);
            Assert.Equal("", ReadLine(reader));
            using Mat frame = Cv2.ImDecode(jpeg, ImreadModes.Color);
            Assert.Equal(new Size(640, 480), frame.Size());
        }
    }

    private static string ReadLine(Stream stream)
    {
        var line = new StringBuilder();
        for (int b = stream.ReadByte(); b != '\n'; b = stream.ReadByte())
        {
            Assert.NotEqual(-1, b);
            if (b != '\r') line.Append((char)b);
        }
        return line.ToString();
    }

    [Fact]
    public async Task Chromium_shows_the_live_image_and_the_events_with_their_snapshots()
    {
        string url = await StartDeviceAsync();
        using var client = Client();
        JsonElement[] events = await EventsAsync(client, url, atLeast: 1);
        Assert.NotEmpty(events);
        string id = events[0].GetProperty("id").GetString()!;
        using (Mat snapshot = Cv2.ImDecode(await client.GetByteArrayAsync(url + $"events/{id}.jpg"), ImreadModes.Color))
            Assert.Equal(new Size(640, 480), snapshot.Size());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(url + "events/..%2Frun.jpg")).StatusCode);

        string png = _folder["page.png"];
        HeadlessChromium.Screenshot(url, png, _folder["profile"]);
        using Mat page = Cv2.ImRead(png, ImreadModes.Grayscale);
        // The live image's place on the page (16 px margin, under the header bar): a picture, not a blank box.
        using Mat live = new(page, new Rect(24, 70, 600, 440));
        Cv2.MeanStdDev(live, out Scalar mean, out Scalar deviation);
        Assert.True(deviation.Val0 > 10 && mean.Val0 > 30, $"the live image area is blank: mean {mean.Val0:F1}, deviation {deviation.Val0:F1}");

        string dom = HeadlessChromium.DumpDom(url, _folder["profile"]);
        Assert.Contains("class=\"event\"", dom);
        Assert.Contains("events/", dom);
        Assert.Contains("sneaker-led", dom); // the rules table, filled from /status
    }

    [Fact]
    public async Task With_a_token_the_page_needs_it_once_and_then_works()
    {
        string url = await StartDeviceAsync(Token);
        using (var anonymous = Client())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url + "?token=wrong-token-000000")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url + "events")).StatusCode);
        }
        using var client = Client(Token);
        await EventsAsync(client, url, atLeast: 1);
        string dom = HeadlessChromium.DumpDom(url + $"?token={Token}", _folder["profile"]);
        Assert.Contains("sneaker-led", dom);
        Assert.Contains("class=\"event\"", dom);
        Assert.Contains("frames/s", dom);
    }

    [Fact]
    public async Task The_session_cookie_is_not_the_token_and_the_token_is_never_logged_even_with_aspnet_logging_at_trace()
    {
        string url = await StartDeviceAsync(Token, extra: new() { ["EDGECNN_Logging__LogLevel__Microsoft"] = "Trace" });
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

        using HttpResponseMessage opened = await browser.GetAsync(url + $"?token={Token}");

        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        string cookie = Assert.Single(opened.Headers.GetValues("Set-Cookie")).Split(';')[0];
        (string name, string value) = (cookie.Split('=')[0], cookie.Split('=')[1]);
        Assert.StartsWith("edgecnn_", name, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", opened.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await SendWithCookie(browser, url + "status", cookie)).StatusCode);
        // The token itself is no cookie, under this name or the old one; nor is the session value a bearer token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendWithCookie(browser, url + "status", $"{name}={Token}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendWithCookie(browser, url + "status", $"edgecnn_token={Token}")).StatusCode);
        using (var bearer = Client(value)) Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync(url + "status")).StatusCode);

        _device!.Kill(entireProcessTree: true);
        await _device.WaitForExitAsync();
        // ASP.NET did log the requests (the level was raised), and not one line holds the token.
        Assert.Contains(_output, l => l.Contains("Request starting", StringComparison.Ordinal));
        Assert.DoesNotContain(_output, l => l.Contains(Token, StringComparison.Ordinal));
    }

    private static Task<HttpResponseMessage> SendWithCookie(HttpClient client, string url, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task Aspnet_settings_of_its_own_open_no_other_address_and_allow_no_other_host()
    {
        int kestrelPort = FreePort(), aspnetPort = FreePort();
        string url = await StartDeviceAsync(Token, extra: new()
        {
            ["Kestrel__Endpoints__Extra__Url"] = $"http://127.0.0.1:{kestrelPort}",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{aspnetPort}",
            ["ASPNETCORE_HTTP_PORTS"] = $"{aspnetPort}",
            ["AllowedHosts"] = "*",
        });
        using var client = Client(Token);

        foreach (int port in new[] { kestrelPort, aspnetPort })
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{port}/status"));
        using var foreign = new HttpRequestMessage(HttpMethod.Get, url + "status");
        foreign.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(foreign)).StatusCode);
    }

    [Fact]
    public async Task An_address_the_machine_gets_after_start_is_answered_without_a_restart()
    {
        // As a Pi whose DHCP lease comes after the service started: a real address added to the loopback interface.
        const string Address = "10.203.0.7";
        string url = await StartDeviceAsync(Token);
        using var client = Client(Token);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(WithHost(url, Address))).StatusCode);
        Assert.True(Ip("addr", "add", Address + "/32", "dev", "lo"), "adding an address needs root (the tests run as root, as CI does)");
        try
        {
            // The list is read again at most once a second.
            var waited = Stopwatch.StartNew();
            HttpStatusCode answer;
            while ((answer = (await client.SendAsync(WithHost(url, Address))).StatusCode) != HttpStatusCode.OK && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(250);
            Assert.Equal(HttpStatusCode.OK, answer);
        }
        finally
        {
            Ip("addr", "del", Address + "/32", "dev", "lo");
        }

        static HttpRequestMessage WithHost(string url, string host)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url + "status");
            request.Headers.Host = $"{host}:{new Uri(url).Port}";
            return request;
        }
    }

    private static bool Ip(params string[] arguments)
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true })!;
        ip.WaitForExit();
        return ip.ExitCode == 0;
    }

    [Fact]
    public async Task Snapshots_beyond_the_limit_remove_the_oldest()
    {
        string url = await StartDeviceAsync(maxCount: 3);
        using var client = Client();
        var waited = Stopwatch.StartNew();
        long written = 0;
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        while (written < 6 && waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            using JsonDocument list = JsonDocument.Parse(await client.GetStringAsync(url + "events"));
            written = list.RootElement.GetProperty("written").GetInt64();
            foreach (JsonElement e in list.RootElement.GetProperty("events").EnumerateArray()) seen.Add(e.GetProperty("id").GetString()!);
            Assert.True(list.RootElement.GetProperty("events").GetArrayLength() <= 3);
            await Task.Delay(100);
        }
        Assert.True(written >= 6, $"only {written} snapshots written: {string.Join('\n', _output)}");
        // Stopped as systemd stops it (SIGTERM), so no snapshot is caught half way between written and pruned.
        using (Process term = Process.Start("kill", ["-TERM", $"{_device!.Id}"])) await term.WaitForExitAsync();
        await _device.WaitForExitAsync();
        string[] jpegs = [.. Directory.GetFiles(_folder["events"], "*.jpg").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(3, jpegs.Length);
        Assert.Equal(3, Directory.GetFiles(_folder["events"], "*.json").Length);
        // The newest three: every snapshot listed on the way that is gone was older than all that remain.
        string[] kept = [.. jpegs.Select(j => Path.GetFileNameWithoutExtension(j)!)];
        Assert.All(seen.Except(kept), gone => Assert.True(string.CompareOrdinal(gone, kept[0]) < 0, $"{gone} was removed but {kept[0]} kept"));
        Assert.True(seen.Count > 3, $"the list showed only {seen.Count} ids over {written} snapshots");
    }
}
