using System.Globalization;
using System.Text.Json;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Loop;
using EdgeCnn.Device.Rules;
using EdgeCnn.Vision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeCnn.Device.Mqtt;

/// <summary>
/// Publishes rule events, rule states, a periodic state message and availability to an MQTT broker (section
/// <c>Mqtt</c>), on its own task. The frame loop only offers events to a bounded queue, so a broker that is down or
/// slow never holds it up: this publisher retries with backoff, and what overflows the queue meanwhile is counted
/// and logged.
/// </summary>
public sealed partial class MqttPublisher(
    IOptions<MqttOptions> options,
    RuleEventBus bus,
    FrameLoopService service,
    FrameStatistics statistics,
    TimeProvider clock,
    ILogger<MqttPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan FlushOnStop = TimeSpan.FromSeconds(3);
    private readonly ILogger _logger = logger;
    private RuleEventBus.Subscription? _events;
    private MqttTopics? _topics;
    private string?[] _publishedRuleStates = [];
    private long _published;
    private long _droppedLogged;
    private volatile bool _connected;

    /// <summary>Whether the client is connected to the broker now.</summary>
    public bool IsConnected => _connected;

    /// <summary>Whether publishing is configured.</summary>
    public bool IsEnabled => _events is not null;

    /// <summary>Events published (acknowledged by the broker).</summary>
    public long EventsPublished => Interlocked.Read(ref _published);

    /// <summary>Events dropped because the queue was full while the broker was away or slow.</summary>
    public long EventsDropped => _events?.Dropped ?? 0;

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        MqttOptions mqtt = options.Value;
        if (!mqtt.Enabled) return Task.CompletedTask;
        // Subscribed before the frame loop starts (hosted services start in order), so no event is missed.
        _events = bus.Subscribe("mqtt", mqtt.QueueCapacity);
        _topics = new MqttTopics(mqtt);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        MqttOptions mqtt = options.Value;
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions clientOptions = MqttConnection.ClientOptions(mqtt, mqtt.EffectiveClientId, _topics!.Availability);
        TimeSpan delay = mqtt.ReconnectDelay;
        RuleEventMessage? pending = null;
        DateTimeOffset nextState = DateTimeOffset.MinValue;
        string? lastFailure = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    _connected = false;
                    await MqttConnection.ConnectAsync(client, clientOptions, stoppingToken).ConfigureAwait(false);
                    await AnnounceAsync(client, stoppingToken).ConfigureAwait(false);
                    _connected = true;
                    LogConnected(mqtt.Host, mqtt.EffectivePort, mqtt.EffectiveClientId, _topics!.Availability.Replace("/availability", "", StringComparison.Ordinal));
                    delay = mqtt.ReconnectDelay;
                    lastFailure = null;
                }
                ReportDrops();
                if (pending is null && _events!.Reader.TryRead(out RuleEventMessage next)) pending = next;
                if (pending is { } message)
                {
                    await PublishEventAsync(client, message, stoppingToken).ConfigureAwait(false);
                    pending = null;
                    await PublishRuleStateAsync(client, message, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                if (clock.GetUtcNow() >= nextState)
                {
                    await PublishStateAsync(client, stoppingToken).ConfigureAwait(false);
                    nextState = clock.GetUtcNow() + mqtt.StateInterval;
                    continue;
                }
                // Nothing to send: wait for an event or the next state message, whichever comes first.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(nextState - clock.GetUtcNow());
                try
                {
                    if (!await _events!.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false)) break; // the loop has stopped
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Time for the state message.
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MqttCommunicationException or BrokerRefusedException or OperationCanceledException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
            {
                _connected = false;
                // One line per new kind of failure, not one per retry: a broker away for hours must not fill the journal.
                if (e.Message != lastFailure) LogUnreachable(mqtt.Host, mqtt.EffectivePort, e.Message, delay.TotalSeconds);
                lastFailure = e.Message;
                try
                {
                    await Task.Delay(delay, clock, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, mqtt.ReconnectMaxDelay.Ticks));
            }
        }
        await StopPublishingAsync(client, pending).ConfigureAwait(false);
    }

    // On every (re)connect: availability, discovery, and the rules' current states (events may have been dropped).
    private async Task AnnounceAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        await PublishAsync(client, _topics!.Availability, "online", retain: true, cancellationToken).ConfigureAwait(false);
        if (options.Value.HomeAssistantDiscovery && service.Manifest is { } manifest)
        {
            foreach ((string topic, string payload) in HomeAssistantDiscovery.Configs(options.Value, _topics, service.Rules, manifest))
                await PublishAsync(client, topic, payload, retain: true, cancellationToken).ConfigureAwait(false);
        }
        _publishedRuleStates = new string?[service.Rules.Count];
        await PublishRuleStatesAsync(client, cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishRuleStatesAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        for (int i = 0; i < service.Rules.Count; i++)
        {
            string state = service.IsRuleActive(i) ? "ON" : "OFF";
            if (_publishedRuleStates[i] == state) continue;
            await PublishAsync(client, _topics!.RuleState(service.Rules[i].Name), state, retain: true, cancellationToken).ConfigureAwait(false);
            _publishedRuleStates[i] = state;
        }
    }

    private async Task PublishEventAsync(IMqttClient client, RuleEventMessage message, CancellationToken cancellationToken)
    {
        await PublishAsync(client, _topics!.Events, message.ToJsonLine(), retain: false, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _published);
    }

    // Separate from the event, so an event the broker has acknowledged is never sent again.
    private async Task PublishRuleStateAsync(IMqttClient client, RuleEventMessage message, CancellationToken cancellationToken)
    {
        int rule = message.Event.Rule;
        string state = message.Event.Kind == RuleEventKind.Trigger ? "ON" : "OFF";
        if (rule >= _publishedRuleStates.Length || _publishedRuleStates[rule] == state) return;
        await PublishAsync(client, _topics!.RuleState(message.Rule.Name), state, retain: true, cancellationToken).ConfigureAwait(false);
        _publishedRuleStates[rule] = state;
    }

    private async Task PublishStateAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        await PublishAsync(client, _topics!.State, StatePayload(), retain: true, cancellationToken).ConfigureAwait(false);
        // Catches up rule states whose events overflowed the queue.
        await PublishRuleStatesAsync(client, cancellationToken).ConfigureAwait(false);
    }

    private string StatePayload()
    {
        (int topClass, float probability) = statistics.LastTop;
        ModelManifest? manifest = service.Manifest;
        return JsonSerializer.Serialize(new
        {
            top = manifest is not null && topClass >= 0 ? manifest.Labels[topClass] : null,
            probability = Math.Round(probability, 4),
            framesPerSecond = Math.Round(statistics.FramesPerSecond(), 2),
            frames = statistics.FramesClassified,
            activeRules = service.Rules.Where((_, i) => service.IsRuleActive(i)).Select(r => r.Name),
            time = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        });
    }

    private static Task PublishAsync(IMqttClient client, string topic, string payload, bool retain, CancellationToken cancellationToken)
    {
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return client.PublishAsync(message, cancellationToken);
    }

    private void ReportDrops()
    {
        long dropped = EventsDropped;
        if (dropped == _droppedLogged) return;
        LogDropped(dropped - _droppedLogged, dropped, options.Value.QueueCapacity);
        _droppedLogged = dropped;
    }

    // Stopping: send what the loop already handed over, say goodbye (so the last will is not needed) and disconnect,
    // all within a few seconds: a broker that is away must not hold up the stop.
    private async Task StopPublishingAsync(IMqttClient client, RuleEventMessage? pending)
    {
        using var flush = new CancellationTokenSource(FlushOnStop);
        try
        {
            if (client.IsConnected)
            {
                if (pending is { } first) await PublishEventAsync(client, first, flush.Token).ConfigureAwait(false);
                while (_events!.Reader.TryRead(out RuleEventMessage message)) await PublishEventAsync(client, message, flush.Token).ConfigureAwait(false);
                // The outputs are off once the service stops, whatever the rules last said.
                for (int i = 0; i < _publishedRuleStates.Length; i++)
                {
                    if (_publishedRuleStates[i] != "OFF")
                        await PublishAsync(client, _topics!.RuleState(service.Rules[i].Name), "OFF", retain: true, flush.Token).ConfigureAwait(false);
                }
                await PublishAsync(client, _topics!.Availability, "offline", retain: true, flush.Token).ConfigureAwait(false);
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), flush.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException or IOException)
        {
            LogStopFailed(e.Message);
        }
        _connected = false;
        int unsent = _events!.Reader.Count;
        ReportDrops();
        LogStopped(EventsPublished, EventsDropped, unsent);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Host}:{Port} as {ClientId}; publishing under {Prefix}/")]
    private partial void LogConnected(string host, int port, string clientId, string prefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} unreachable or refusing ({Reason}); the device keeps classifying and retries in {Seconds:0.#} s, then with backoff")]
    private partial void LogUnreachable(string host, int port, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: {New} events dropped because the queue ({Capacity}) was full while the broker was away or slow ({Total} in all)")]
    private partial void LogDropped(long @new, long total, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: could not finish publishing on stop ({Reason})")]
    private partial void LogStopFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT stopped: {Published} events published, {Dropped} dropped, {Unsent} left unsent")]
    private partial void LogStopped(long published, long dropped, int unsent);
}
