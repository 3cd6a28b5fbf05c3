using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Http;

/// <summary>
/// The optional HTTP endpoint (section <c>Http</c>): the live page <c>/</c> with its MJPEG stream
/// <c>/stream.mjpg</c>, <c>/healthz</c>, <c>/status</c>, <c>/snapshot.jpg</c>, <c>/events</c> (the trigger snapshots)
/// and <c>/metrics</c>, served by Kestrel on its own threads; it only reads what the frame loop publishes, and a
/// snapshot or a streamed frame costs the loop one frame copy (JPEG encoding happens here). It answers only Host headers on its <see cref="HostAllowList"/>.
/// Optional as it is, an address that cannot be used (a port taken at boot) is logged and tried again with backoff
/// while the device runs without it.
/// </summary>
public sealed partial class StatusServer(
    IOptions<HttpOptions> options,
    IOptions<ModelOptions> model,
    DeviceView view,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<StatusServer>();
    private static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(30);
    // What the endpoints serve, read from the device's view; the arming buttons are the page's control.
    private readonly IDeviceState service = view.Loop;
    private readonly FrameStatistics statistics = view.Statistics;
    private readonly EventSnapshots events = view.Events;
    private readonly TimeProvider clock = view.Clock;
    private readonly ArmSwitch arming = view.Arming;
    private static readonly Lazy<byte[]> LivePage = new(() =>
    {
        using Stream page = typeof(StatusServer).Assembly.GetManifestResourceStream("EdgeCnn.Device.live.html")
            ?? throw new InvalidOperationException("the live page is missing from the build");
        using var copy = new MemoryStream();
        page.CopyTo(copy);
        return copy.ToArray();
    });
    private readonly CancellationTokenSource _stopping = new();
    private byte[] _token = [];
    private HostAllowList? _hosts;
    private SessionCookie? _session;
    private WebApplication? _app;
    private Task _retrying = Task.CompletedTask;
    private bool _disposed;
    private DeviceMetrics? _metrics;

    /// <summary>The addresses Kestrel listens on (with the real port when port 0 was asked for), once started.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        HttpOptions http = options.Value;
        if (!http.Enabled) return;
        _token = Encoding.UTF8.GetBytes(http.BearerToken);
        _hosts = new HostAllowList(http, clock);
        _session = new SessionCookie(_token);
        _metrics = new DeviceMetrics(service, view.Mqtt, statistics, arming, clock);
        if (await TryListenAsync(http, cancellationToken).ConfigureAwait(false)) return;
        // The endpoint is optional: the device classifies and switches without it, and gets it once the port is free.
        _retrying = RetryListenAsync(http, _stopping.Token);
    }

    // Starts Kestrel; false (logged) when the address is taken or cannot be used now.
    private async Task<bool> TryListenAsync(HttpOptions http, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "edgecnn-device", Args = [] });
        // Only this device's settings configure the endpoint: ASP.NET's own sources (every environment variable, as
        // Kestrel__Endpoints__x__Url or AllowedHosts, and an appsettings.json in the working folder) would open
        // addresses past Http:Urls and its token rule.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(); // where UseUrls writes
        // The endpoint logs through the device's own loggers and format.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseUrls(http.UrlList);
        WebApplication app = builder.Build();
        app.Use(FilterHosts);
        app.Use(Authorize);
        app.MapGet("/", Page);
        app.MapGet("/stream.mjpg", StreamAsync);
        app.MapGet("/events", Events);
        app.MapGet("/events/{id}.jpg", EventJpeg);
        app.MapGet("/healthz", Healthz);
        app.MapGet("/status", Status);
        app.MapGet("/snapshot.jpg", Snapshot);
        app.MapGet("/metrics", MetricsAsync);
        app.MapPost("/arming", ChangeArming);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            LogCannotListen(HttpOptions.Section, http.Urls, e.Message);
            return false;
        }
        _app = app;
        Addresses = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
        LogListening(string.Join(", ", Addresses), _token.Length > 0 ? "a bearer token" : "no token");
        return true;
    }

    private async Task RetryListenAsync(HttpOptions http, CancellationToken stopping)
    {
        TimeSpan delay = TimeSpan.FromSeconds(1);
        try
        {
            do
            {
                await Task.Delay(delay, clock, stopping).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryMaxDelay.Ticks));
            }
            while (!await TryListenAsync(http, stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The service is stopping.
        }
    }

    // 400 for a Host header that is not this machine's (DNS rebinding), as ASP.NET's host filtering answers.
    private async Task FilterHosts(HttpContext context, RequestDelegate next)
    {
        if (_hosts!.Allows(context.Request.Host.Value ?? ""))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsync("400: this device answers only its own names and addresses (Http:AllowedHosts).\n").ConfigureAwait(false);
    }

    private async Task Authorize(HttpContext context, RequestDelegate next)
    {
        // Probes (systemd, uptime monitors) check health without credentials; it tells them nothing else.
        if (_token.Length == 0 || context.Request.Path == "/healthz" || HasToken(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        // A browser cannot add a header to an <img>: opening /?token=TOKEN once leaves a session cookie (derived from
        // the token, never the token itself; HttpOnly, SameSite=Strict), and the page and its stream then work as they are.
        if (context.Request.Path == "/" && context.Request.Query["token"].ToString() is { Length: > 0 } offered && Matches(offered))
        {
            context.Response.Cookies.Append(_session!.Name, _session.Value, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            context.Response.Redirect("/");
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"edgecnn\"";
        await context.Response.WriteAsync("401: send the device's Http:BearerToken as 'Authorization: Bearer TOKEN'.\n").ConfigureAwait(false);
    }

    private bool HasToken(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString().StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase)) return HasBearer(request);
        return request.Cookies.TryGetValue(_session!.Name, out string? cookie) && _session.Matches(cookie);
    }

    private const string BearerScheme = "Bearer ";

    // The token in the Authorization header: a script or another program (a browser never sends it on its own).
    private bool HasBearer(HttpRequest request)
    {
        if (_token.Length == 0) return false;
        string header = request.Headers.Authorization.ToString();
        return header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) && Matches(header[BearerScheme.Length..].Trim());
    }

    // Constant time, so the answer's timing does not reveal how much of a guess was right.
    private bool Matches(string presented) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);

    private static IResult Page() => Results.Bytes(LivePage.Value, "text/html; charset=utf-8");

    private IResult Events()
    {
        var list = events.List().Select(e => new { e.Id, e.Rule, e.Class, e.Top, e.Probability, e.Frame, e.Time, e.Bytes, url = $"events/{e.Id}.jpg" });
        return Results.Json(new { directory = events.Directory, written = events.Written, failed = events.Failed, dropped = events.Dropped, events = list });
    }

    private IResult EventJpeg(string id) =>
        events.JpegPath(id) is string path ? Results.File(path, "image/jpeg") : Results.NotFound($"no event snapshot '{id}'\n");

    // The next classified frame, or null when none came within the snapshot timeout (or the client left).
    private async Task<FrameSnapshot?> NextFrameAsync(CancellationToken aborted)
    {
        Task<FrameSnapshot> request = service.RequestSnapshot();
        try
        {
            return await request.WaitAsync(options.Value.SnapshotTimeout, aborted).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whatever ended the wait, the loop may still answer later: release that copy when it does.
            _ = request.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            if (e is TimeoutException or OperationCanceledException or InvalidOperationException) return null;
            throw;
        }
    }

    /// <summary>
    /// Multipart MJPEG at <see cref="HttpOptions.StreamFramesPerSecond"/> at most: each part is the next classified
    /// frame, encoded here. Viewers that ask for the same frame share its copy.
    /// </summary>
    private async Task StreamAsync(HttpContext context)
    {
        HttpResponse response = context.Response;
        response.ContentType = "multipart/x-mixed-replace; boundary=frame";
        response.Headers.CacheControl = "no-store";
        CancellationToken aborted = context.RequestAborted;
        long interval = (long)(Stopwatch.Frequency / options.Value.StreamFramesPerSecond);
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                long started = Stopwatch.GetTimestamp();
                using (FrameSnapshot? frame = await NextFrameAsync(aborted).ConfigureAwait(false))
                {
                    if (frame is null)
                    {
                        if (service.LoopEndedReason is not null) return; // nothing more will come
                        continue;
                    }
                    byte[] jpeg = frame.EncodeJpeg();
                    await response.WriteAsync($"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n", aborted).ConfigureAwait(false);
                    await response.Body.WriteAsync(jpeg, aborted).ConfigureAwait(false);
                    await response.WriteAsync("\r\n", aborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                }
                long rest = interval - (Stopwatch.GetTimestamp() - started);
                if (rest > 0) await Task.Delay(TimeSpan.FromSeconds(rest / (double)Stopwatch.Frequency), clock, aborted).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The viewer left.
        }
    }

    private HealthReport Health() => HealthReport.Of(service, statistics, options.Value.StaleAfter);

    private IResult Healthz()
    {
        HealthReport health = Health();
        return Results.Text(health.Reason + "\n", "text/plain; charset=utf-8", statusCode: health.Healthy ? 200 : 503);
    }

    private IResult Status() =>
        Results.Text(DeviceStatusReport.ToJson(service, view.Mqtt, statistics, Health(), model.Value.FullPath, clock.GetUtcNow(), arming), "application/json; charset=utf-8");

    private async Task<IResult> Snapshot(HttpRequest request, CancellationToken aborted)
    {
        bool cam = request.Query["cam"] == "1";
        if (cam && service.Manifest?.Cam is null)
            return Results.Text("this model has no class activation maps: export it with 'edgecnn-train export RUN --cam' (nets ending in global average pooling and one dense layer).\n",
                "text/plain; charset=utf-8", statusCode: 400);
        using FrameSnapshot? snapshot = await NextFrameAsync(aborted).ConfigureAwait(false);
        return snapshot is not null
            ? Results.File(snapshot.EncodeJpeg(cam), "image/jpeg")
            : Results.Text($"no frame was classified within {options.Value.SnapshotTimeout.TotalSeconds:0.#} s: {Health().Reason}\n", "text/plain; charset=utf-8", statusCode: 503);
    }

    /// <summary>
    /// <c>POST /arming?action=arm|disarm|snooze[&amp;minutes=N]</c>, from the page's buttons or a script. Behind the token
    /// like everything else; a request without the token in its Authorization header (a browser, with the session
    /// cookie) must also be same-origin and say
    /// <c>X-EdgeCnn-Request: arming</c>, which no other site's page can send without a preflight this server never
    /// answers: a link or form elsewhere cannot disarm the device. Without a token, every caller needs that header.
    /// </summary>
    private IResult ChangeArming(HttpRequest request)
    {
        bool script = HasBearer(request);
        if (!script)
        {
            string origin = request.Headers.Origin.ToString();
            bool sameOrigin = origin.Length == 0 || (Uri.TryCreate(origin, UriKind.Absolute, out Uri? from) && from.Authority == request.Host.Value);
            if (!sameOrigin || request.Headers["X-EdgeCnn-Request"] != "arming")
                return Results.Text("403: a browser changes the armed state only from the device's own page (same origin, X-EdgeCnn-Request: arming).\n", "text/plain; charset=utf-8", statusCode: 403);
        }
        string by = script ? "HTTP (bearer token)" : "the live page";
        switch (request.Query["action"].ToString())
        {
            case "arm":
                arming.Arm(by);
                break;
            case "disarm":
                arming.Disarm(by);
                break;
            case "snooze":
                TimeSpan? length = null;
                if (request.Query["minutes"].ToString() is { Length: > 0 } minutes)
                {
                    if (!int.TryParse(minutes, System.Globalization.CultureInfo.InvariantCulture, out int m) || m is < 1 or > 10080)
                        return Results.Text("400: minutes must be a whole number from 1 to 10080 (7 days).\n", "text/plain; charset=utf-8", statusCode: 400);
                    length = TimeSpan.FromMinutes(m);
                }
                arming.Snooze(length, by);
                break;
            default:
                return Results.Text("400: say action=arm, action=disarm or action=snooze (with minutes=N, or the Arming:Snooze setting).\n", "text/plain; charset=utf-8", statusCode: 400);
        }
        return Results.Text(arming.Describe(clock.GetUtcNow()) + "\n", "text/plain; charset=utf-8");
    }

    private async Task MetricsAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await _metrics!.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _retrying.ConfigureAwait(false);
        if (_app is not null) await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The container disposes this twice: as itself and as the hosted service it also is.
        if (_disposed) return;
        _disposed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _retrying.ConfigureAwait(false);
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "status endpoint on {Addresses} (/ live page, /stream.mjpg /events /healthz /status /snapshot.jpg /metrics, POST /arming), {Auth}")]
    private partial void LogListening(string addresses, string auth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the status endpoint cannot listen on {Section}:Urls {Urls} ({Reason}); the device runs without it and tries again (ss -ltnp shows which program holds the port)")]
    private partial void LogCannotListen(string section, string urls, string reason);
}
