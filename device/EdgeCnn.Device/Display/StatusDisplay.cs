using System.Device.I2c;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Rules;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Display;

/// <summary>
/// Keeps the display (section <c>Display</c>) showing the device's state: the armed mode, the top class and its
/// probability, the last trigger and its age, the device's address. Runs on its own task at most twice a second and
/// reads what the loop publishes, so the loop never waits for the bus; the last trigger comes from the rule events.
/// A display that fails (unplugged, wrong address) is logged once and tried again every few seconds; the device goes
/// on without it.
/// </summary>
public sealed partial class StatusDisplay(
    IOptions<DisplayOptions> options,
    Func<I2cConnectionSettings, I2cDevice> openBus,
    DeviceView view,
    RuleEventBus bus,
    ILogger<StatusDisplay> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PageTime = TimeSpan.FromSeconds(3);
    // What the display shows, read from the device's view.
    private readonly IDeviceState state = view.Loop;
    private readonly FrameStatistics statistics = view.Statistics;
    private readonly ArmSwitch arming = view.Arming;
    private readonly TimeProvider clock = view.Clock;
    private readonly ILogger _logger = logger;
    private RuleEventBus.Subscription? _events;
    private (string Rule, DateTimeOffset Time)? _lastTrigger;

    /// <summary>Updates written to the display.</summary>
    public long Updates { get; private set; }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Type == DisplayType.None) return Task.CompletedTask;
        // Subscribed before the loop starts (hosted services start in order), like every reader of rule events.
        _events = bus.Subscribe("display", capacity: 16);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DisplayOptions display = options.Value;
        TimeSpan refresh = TimeSpan.FromMilliseconds(display.RefreshMilliseconds);
        string? lastFailure = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var screen = new CharacterDisplay(openBus(new I2cConnectionSettings(display.Bus, display.Address)));
                if (lastFailure is not null) LogRecovered(display.Bus, display.Address);
                lastFailure = null;
                while (!stoppingToken.IsCancellationRequested)
                {
                    (string first, string second) = Compose();
                    screen.Show(first, second);
                    Updates++;
                    await Task.Delay(refresh, clock, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (e.Message != lastFailure) LogFailed(display.Bus, display.Address, e.Message, RetryDelay.TotalSeconds);
                lastFailure = e.Message;
                // The triggers go on meanwhile: the last one is what the display shows when it is back.
                TakeEvents();
                try
                {
                    await Task.Delay(RetryDelay, clock, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>The two lines for now.</summary>
    public (string First, string Second) Compose()
    {
        DateTimeOffset now = clock.GetUtcNow();
        TakeEvents();
        (int topClass, float probability) = statistics.LastTop;
        ModelManifest? manifest = state.Manifest;
        string? top = manifest is not null && topClass >= 0 ? manifest.Describe(new Classification(topClass, probability)) : null;
        (string, TimeSpan)? last = _lastTrigger is { } t ? (t.Rule, now - t.Time) : null;
        int page = (int)(now.ToUnixTimeMilliseconds() / (long)PageTime.TotalMilliseconds);
        return GlanceText.Lines(ArmingState.Name(arming.Mode(now)), top, probability, last, Address(), page);
    }

    private void TakeEvents()
    {
        while (_events is not null && _events.Reader.TryRead(out RuleEventMessage message))
            if (message.Event.Kind == RuleEventKind.Trigger) _lastTrigger = (message.Rule.Name, message.Event.Time);
    }

    // The first IPv4 address that is up and not loopback: what a user types into the browser.
    private static string Address()
    {
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (UnicastIPAddressInformation address in nic.GetIPProperties().UnicastAddresses)
                if (address.Address.AddressFamily == AddressFamily.InterNetwork) return address.Address.ToString();
        }
        return "no network";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "display on I2C bus {Bus} address {Address} failed ({Reason}); the device goes on without it and tries again in {Seconds} s (i2cdetect -y {Bus} lists the addresses present)")]
    private partial void LogFailed(int bus, int address, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "display on I2C bus {Bus} address {Address} is back")]
    private partial void LogRecovered(int bus, int address);
}
