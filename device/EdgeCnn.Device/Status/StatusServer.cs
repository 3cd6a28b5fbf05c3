using System.Security.Cryptography;
using System.Text;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Loop;
using EdgeCnn.Device.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Status;

/// <summary>
/// The optional HTTP endpoint (section <c>Http</c>): <c>/healthz</c>, <c>/status</c>, <c>/snapshot.jpg</c> and
/// <c>/metrics</c>, served by Kestrel on its own threads; it only reads what the frame loop publishes, and a
/// snapshot costs the loop one frame copy.
/// </summary>
public sealed partial class StatusServer(
    IOptions<HttpOptions> options,
    IOptions<ModelOptions> model,
    FrameLoopService service,
    FrameStatistics statistics,
    MqttPublisher mqtt,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<StatusServer>();
    private byte[] _token = [];
    private WebApplication? _app;
    private DeviceMetrics? _metrics;

    /// <summary>The addresses Kestrel listens on (with the real port when port 0 was asked for), once started.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        HttpOptions http = options.Value;
        if (!http.Enabled) return;
        _token = Encoding.UTF8.GetBytes(http.BearerToken);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "edgecnn-device", Args = [] });
        // The endpoint logs through the device's own loggers and format.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseUrls(http.UrlList);
        _app = builder.Build();
        _app.Use(Authorize);
        _app.MapGet("/healthz", Healthz);
        _app.MapGet("/status", Status);
        _app.MapGet("/snapshot.jpg", Snapshot);
        _app.MapGet("/metrics", MetricsAsync);
        _metrics = new DeviceMetrics(service, statistics, mqtt);
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"{HttpOptions.Section}:Urls {http.Urls}: cannot listen ({e.Message}); choose another port or stop the program that uses it (ss -ltnp).", e);
        }
        Addresses = [.. _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
        LogListening(string.Join(", ", Addresses), _token.Length > 0 ? "a bearer token" : "no token");
        if (_token.Length == 0 && http.ListensBeyondLoopback) LogOpen(HttpOptions.Section);
    }

    private async Task Authorize(HttpContext context, RequestDelegate next)
    {
        // Probes (systemd, uptime monitors) check health without credentials; it tells them nothing else.
        if (_token.Length == 0 || context.Request.Path == "/healthz" || HasToken(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"edgecnn\"";
        await context.Response.WriteAsync("401: send the device's Http:BearerToken as 'Authorization: Bearer TOKEN'.\n").ConfigureAwait(false);
    }

    private bool HasToken(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        byte[] presented = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        // Constant time, so the answer's timing does not reveal how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(presented, _token);
    }

    private HealthReport Health() => HealthReport.Of(service, statistics, options.Value.StaleAfter);

    private IResult Healthz()
    {
        HealthReport health = Health();
        return Results.Text(health.Reason + "\n", "text/plain; charset=utf-8", statusCode: health.Healthy ? 200 : 503);
    }

    private IResult Status() =>
        Results.Text(DeviceStatusReport.ToJson(service, statistics, mqtt, Health(), model.Value.FullPath, clock.GetUtcNow()), "application/json; charset=utf-8");

    private async Task<IResult> Snapshot(CancellationToken aborted)
    {
        Task<FrameSnapshot> request = service.RequestSnapshot();
        try
        {
            using FrameSnapshot snapshot = await request.WaitAsync(options.Value.SnapshotTimeout, aborted).ConfigureAwait(false);
            return Results.File(snapshot.EncodeJpeg(), "image/jpeg");
        }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException or InvalidOperationException && !aborted.IsCancellationRequested)
        {
            // The loop may still answer later: release that copy when it does.
            _ = request.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            return Results.Text($"no frame was classified within {options.Value.SnapshotTimeout.TotalSeconds:0.#} s: {Health().Reason}\n", "text/plain; charset=utf-8", statusCode: 503);
        }
    }

    private async Task MetricsAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await _metrics!.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "status endpoint on {Addresses} (/healthz /status /snapshot.jpg /metrics), {Auth}")]
    private partial void LogListening(string addresses, string auth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the status endpoint listens beyond this machine without a token: anyone on the network can see the camera; set {Section}:BearerToken")]
    private partial void LogOpen(string section);
}
