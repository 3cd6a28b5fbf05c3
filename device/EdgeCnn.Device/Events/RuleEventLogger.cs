using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Events;

/// <summary>Writes each trigger and release to the log as one JSON line, off the frame loop.</summary>
public sealed partial class RuleEventLogger : BackgroundService
{
    private readonly RuleEventBus.Subscription _events;
    private readonly ILogger<RuleEventLogger> _logger;

    /// <summary>Subscribes to the bus; the frame loop starts after this is constructed.</summary>
    public RuleEventLogger(RuleEventBus bus, ILogger<RuleEventLogger> logger)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _events = bus.Subscribe("log", capacity: 1024);
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (RuleEventMessage message in _events.Reader.ReadAllAsync(stoppingToken)) LogEvent(message.ToJsonLine());
        }
        catch (OperationCanceledException)
        {
            // Stopping: write what the loop already handed over.
        }
        while (_events.Reader.TryRead(out RuleEventMessage message)) LogEvent(message.ToJsonLine());
        if (_events.Dropped > 0) LogDropped(_events.Dropped);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{EventJson}")]
    private partial void LogEvent(string eventJson);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dropped} rule events were not logged because the log could not keep up")]
    private partial void LogDropped(long dropped);
}
