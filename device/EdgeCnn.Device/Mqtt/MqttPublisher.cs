using System.Threading.Channels;
using System.Globalization;
using System.Text.Json;
using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Rules;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
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
/// and logged. It also takes commands on one topic (<see cref="MqttTopics.ArmedSet"/>: arm, disarm, snooze) and
/// publishes the armed state when it changes.
/// </summary>
public sealed partial class MqttPublisher(
    IOptions<MqttOptions> options,
    RuleEventBus bus,
    MqttCounters counters,
    DeviceView view,
    IOptions<ModelOptions> configuredModel,
    ILogger<MqttPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan FlushOnStop = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ModelCheck = TimeSpan.FromSeconds(1);
    // What the state messages say, read from the device's view; the switch is MQTT's control.
    private readonly IDeviceState service = view.Loop;
    private readonly FrameStatistics statistics = view.Statistics;
    private readonly EventSnapshots snapshots = view.Events;
    private readonly TimeProvider clock = view.Clock;
    private readonly ArmSwitch arming = view.Arming;
    private readonly ILogger _logger = logger;
    private RuleEventBus.Subscription? _events;
    private ChannelReader<(EventSnapshot Info, byte[] Jpeg)>? _snapshots;
    private MqttTopics? _topics;
    private readonly RetainedRuleStates _ruleStates = new();
    private long _droppedLogged;
    private volatile bool _armingChanged = true;
    private (string Rule, DateTimeOffset Time)? _lastTrigger;
    private string? _statedModel;
    private CancellationTokenSource? _waiting;

    private long EventsDropped => counters.Dropped;

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        MqttOptions mqtt = options.Value;
        if (!mqtt.Enabled) return Task.CompletedTask;
        // Subscribed before the frame loop starts (hosted services start in order), so no event is missed.
        _events = bus.Subscribe("mqtt", mqtt.QueueCapacity);
        counters.Track(_events);
        if (mqtt.EventSnapshots) _snapshots = snapshots.Encoded();
        _topics = new MqttTopics(mqtt);
        arming.Changed += OnArmingChanged;
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        MqttOptions mqtt = options.Value;
        if (!await WaitForStartAsync(stoppingToken).ConfigureAwait(false)) return;
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnCommandAsync;
        var backoff = new ReconnectBackoff(mqtt.ReconnectDelay, mqtt.ReconnectMaxDelay);
        DateTimeOffset? connectedAt = null;
        // Publishing is never cancelled midway (MQTTnet drops the connection when it is, and the broker would then
        // announce the device dead); the client's own timeout bounds it. Stopping only interrupts waits.
        RuleEventMessage? pending = null;
        DateTimeOffset nextState = DateTimeOffset.MinValue;
        string? lastFailure = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    connectedAt = await ReconnectAsync(client, wasConnected: connectedAt is not null, stoppingToken).ConfigureAwait(false);
                    lastFailure = null;
                }
                ReportDrops();
                if (pending is null && _events!.Reader.TryRead(out RuleEventMessage next)) pending = next;
                if (pending is { } message)
                {
                    await PublishEventAsync(client, message, CancellationToken.None).ConfigureAwait(false);
                    pending = null;
                    await PublishRuleStateAsync(client, message, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                if (await PublishDueAsync(client, nextState, mqtt.StateInterval).ConfigureAwait(false) is { } due)
                {
                    nextState = due;
                    continue;
                }
                if (!await WaitForWorkAsync(nextState, stoppingToken).ConfigureAwait(false)) break; // the loop has stopped
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            // Whatever goes wrong here, publishing retries: an MQTT failure must never stop the device (a stop after
            // an unhandled exception would even look like a clean exit to systemd).
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                TimeSpan delay = Failed(e, backoff, connectedAt, lastFailure);
                connectedAt = null;
                lastFailure = e.Message;
                if (!await WaitToRetryAsync(delay, stoppingToken).ConfigureAwait(false)) break;
            }
        }
        await StopPublishingAsync(client, pending).ConfigureAwait(false);
    }

    // Discovery describes the model and rules, so they must be open first. False when stopped before they are.
    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        try
        {
            await service.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Connects a client that is not connected; returns when it connected.
    private async Task<DateTimeOffset> ReconnectAsync(IMqttClient client, bool wasConnected, CancellationToken stoppingToken)
    {
        counters.Connected = false;
        // Dropped since the last pass (the broker went away, or another client with our id took over):
        // a failure like any other, so that reconnecting backs off.
        if (wasConnected) throw new MqttCommunicationException($"the broker closed the connection (is another device using client id '{options.Value.EffectiveClientId}'? Mqtt:ClientId)");
        await ConnectAsync(client, stoppingToken, CancellationToken.None).ConfigureAwait(false);
        return clock.GetUtcNow();
    }

    // Publishes what is due besides events: a snapshot, the armed state or the state message. Returns when the state
    // message is due next, or null when nothing was due.
    private async ValueTask<DateTimeOffset?> PublishDueAsync(IMqttClient client, DateTimeOffset nextState, TimeSpan stateInterval)
    {
        if (_snapshots is not null && _snapshots.TryRead(out (EventSnapshot Info, byte[] Jpeg) shot))
        {
            await PublishAsync(client, _topics!.Snapshot, shot.Jpeg, retain: true, CancellationToken.None).ConfigureAwait(false);
            return nextState;
        }
        if (_armingChanged)
        {
            _armingChanged = false;
            await PublishArmingAsync(client, CancellationToken.None).ConfigureAwait(false);
            return DateTimeOffset.MinValue; // the state message says the mode too
        }
        // A reloaded model is news for the fleet view: the state message says which model runs.
        if (service.Manifest?.ModelSha256 is { } running && running != _statedModel) nextState = DateTimeOffset.MinValue;
        if (clock.GetUtcNow() >= nextState)
        {
            await PublishStateAsync(client, CancellationToken.None).ConfigureAwait(false);
            return clock.GetUtcNow() + stateInterval;
        }
        return null;
    }

    // Nothing to send: wait for an event or the next state message, whichever comes first. False when the loop has stopped.
    private async Task<bool> WaitForWorkAsync(DateTimeOffset nextState, CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        TimeSpan untilState = nextState - clock.GetUtcNow();
        // At most a second, so that a model swapped in by hot reload is announced within one.
        wait.CancelAfter(untilState > ModelCheck ? ModelCheck : untilState > TimeSpan.Zero ? untilState : TimeSpan.Zero);
        Volatile.Write(ref _waiting, wait);
        if (_armingChanged) return true; // changed before the wait could be woken
        try
        {
            Task<bool> nextEvent = _events!.Reader.WaitToReadAsync(wait.Token).AsTask();
            if (_snapshots is not null)
            {
                // A snapshot comes a moment after its trigger event: wake for either.
                Task<bool> nextSnapshot = _snapshots.WaitToReadAsync(wait.Token).AsTask();
                await Task.WhenAny(nextEvent, nextSnapshot).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false); // ends the other wait
                return !(nextEvent.IsCompletedSuccessfully && !nextEvent.Result); // false: the loop has stopped
            }
            return await nextEvent.ConfigureAwait(false); // false: the loop has stopped
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Time for the state message, or the armed state changed.
            return true;
        }
        finally
        {
            Volatile.Write(ref _waiting, null);
        }
    }

    // A failure: the connection counts as lost, and the backoff says how long to wait before retrying.
    private TimeSpan Failed(Exception e, ReconnectBackoff backoff, DateTimeOffset? connectedAt, string? lastFailure)
    {
        counters.Connected = false;
        TimeSpan delay = backoff.Failed(clock.GetUtcNow() - connectedAt);
        // One line per new kind of failure, not one per retry: a broker away for hours must not fill the journal.
        if (e.Message != lastFailure)
        {
            MqttOptions mqtt = options.Value;
            if (IsConnectionFailure(e)) LogUnreachable(mqtt.Host, mqtt.EffectivePort, e.Message, delay.TotalSeconds);
            else LogFailed(e, delay.TotalSeconds);
        }
        return delay;
    }

    // Waits out the backoff; false when stopped meanwhile.
    private async Task<bool> WaitToRetryAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, clock, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsConnectionFailure(Exception e) =>
        e is MqttCommunicationException or BrokerRefusedException or OperationCanceledException or IOException or System.Net.Sockets.SocketException;

    private async Task ConnectAsync(IMqttClient client, CancellationToken connecting, CancellationToken announcing)
    {
        MqttOptions mqtt = options.Value;
        await MqttConnection.ConnectAsync(client, MqttConnection.ClientOptions(mqtt, mqtt.EffectiveClientId, _topics!.Availability), connecting).ConfigureAwait(false);
        await AnnounceAsync(client, announcing).ConfigureAwait(false);
        counters.Connected = true;
        LogConnected(mqtt.Host, mqtt.EffectivePort, mqtt.EffectiveClientId, mqtt.EffectiveTopicPrefix);
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
        // Commands (the switch, the snooze button); a retained command from before is not acted on again (see OnCommandAsync).
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(_topics.ArmedSet).WithAtLeastOnceQoS().WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe))
            .Build(), cancellationToken).ConfigureAwait(false);
        await PublishArmingAsync(client, cancellationToken).ConfigureAwait(false);
        _ruleStates.Connected(service.Rules.Count);
        for (int i = 0; i < _ruleStates.Count; i++) await PublishRuleStateAsync(client, i, _ruleStates.ByEvents(i), cancellationToken).ConfigureAwait(false);
    }

    private void OnArmingChanged()
    {
        _armingChanged = true;
        try
        {
            Volatile.Read(ref _waiting)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That wait has just ended; the flag is seen on the next pass.
        }
    }

    private Task PublishArmingAsync(IMqttClient client, CancellationToken cancellationToken) =>
        PublishAsync(client, _topics!.Armed, arming.State.Armed ? "ON" : "OFF", retain: true, cancellationToken);

    // ON arms, OFF disarms, SNOOZE (or SNOOZE 30m) snoozes; anything else is logged and ignored.
    private Task OnCommandAsync(MqttApplicationMessageReceivedEventArgs received)
    {
        if (received.ApplicationMessage.Topic != _topics!.ArmedSet) return Task.CompletedTask;
        string command = received.ApplicationMessage.ConvertPayloadToString()?.Trim() ?? "";
        const string by = "MQTT";
        try
        {
            string[] words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words.FirstOrDefault()?.ToUpperInvariant())
            {
                case "ON" when words.Length == 1:
                    arming.Arm(by);
                    break;
                case "OFF" when words.Length == 1:
                    arming.Disarm(by);
                    break;
                case "SNOOZE" when words.Length <= 2:
                    arming.Snooze(words.Length == 2 ? SnoozeDuration.Parse(words[1]) : null, by);
                    break;
                default:
                    LogBadCommand(OneLine(command), _topics.ArmedSet);
                    break;
            }
        }
        catch (ConfigurationException e)
        {
            LogBadCommand(OneLine(command), $"{_topics.ArmedSet} ({e.Message})");
        }
        return Task.CompletedTask;
    }

    private static string OneLine(string text) => Systemd.OneLine.Of(text.Length > 80 ? text[..80] : text);

    private async Task PublishRuleStateAsync(IMqttClient client, int rule, string state, CancellationToken cancellationToken)
    {
        if (!_ruleStates.Changes(rule, state)) return;
        await PublishAsync(client, _topics!.RuleState(service.Rules[rule].Name), state, retain: true, cancellationToken).ConfigureAwait(false);
        _ruleStates.Published(rule, state);
    }

    // With the queue drained, the rules' live states are what the events would say, unless some were dropped: this
    // puts the retained states right again.
    private async Task CatchUpRuleStatesAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        for (int i = 0; i < service.Rules.Count; i++)
            await PublishRuleStateAsync(client, i, service.IsRuleActive(i) ? "ON" : "OFF", cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishEventAsync(IMqttClient client, RuleEventMessage message, CancellationToken cancellationToken)
    {
        await PublishAsync(client, _topics!.Events, message.ToJsonLine(), retain: false, cancellationToken).ConfigureAwait(false);
        counters.CountPublished();
        if (message.Event.Kind == RuleEventKind.Trigger) _lastTrigger = (message.Rule.Name, message.Event.Time);
    }

    // Separate from the event, so an event the broker has acknowledged is never sent again.
    private Task PublishRuleStateAsync(IMqttClient client, RuleEventMessage message, CancellationToken cancellationToken) =>
        PublishRuleStateAsync(client, message.Event.Rule, message.Event.Kind == RuleEventKind.Trigger ? "ON" : "OFF", cancellationToken);

    private async Task PublishStateAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        string? model = service.Manifest?.ModelSha256;
        await PublishAsync(client, _topics!.State, StatePayload(), retain: true, cancellationToken).ConfigureAwait(false);
        _statedModel = model;
        await CatchUpRuleStatesAsync(client, cancellationToken).ConfigureAwait(false);
    }

    private string StatePayload()
    {
        (int topClass, float probability) = statistics.LastTop;
        ModelManifest? manifest = service.Manifest;
        return JsonSerializer.Serialize(new
        {
            top = manifest is not null && topClass >= 0 ? manifest.Describe(new Classification(topClass, probability)) : null,
            probability = Math.Round(probability, 4),
            framesPerSecond = Math.Round(statistics.FramesPerSecond(), 2),
            frames = statistics.FramesClassified,
            activeRules = service.Rules.Where((_, i) => service.IsRuleActive(i)).Select(r => r.Name),
            arming = ArmingState.Name(arming.Mode(clock.GetUtcNow())),
            // What 'edgecnn-device fleet' shows: which model, exactly, and the last trigger.
            model = manifest is null ? null : $"{Path.GetFileName(service.Precision?.Path ?? configuredModel.Value.Path)} ({manifest.Architecture})",
            modelSha256 = manifest?.ModelSha256,
            lastEvent = _lastTrigger is { } last ? new { rule = last.Rule, time = last.Time.ToString("O", CultureInfo.InvariantCulture) } : null,
            time = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        });
    }

    private static Task PublishAsync(IMqttClient client, string topic, string payload, bool retain, CancellationToken cancellationToken) =>
        PublishAsync(client, topic, System.Text.Encoding.UTF8.GetBytes(payload), retain, cancellationToken);

    private static Task PublishAsync(IMqttClient client, string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
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
            // A service stopped before it got connected (a short clip) still delivers what it saw, if the broker is there.
            if (!client.IsConnected && (pending is not null || _events!.Reader.Count > 0))
            {
                await ConnectAsync(client, flush.Token, flush.Token).ConfigureAwait(false);
            }
            if (client.IsConnected)
            {
                if (pending is { } first) await PublishEventAsync(client, first, flush.Token).ConfigureAwait(false);
                while (_events!.Reader.TryRead(out RuleEventMessage message))
                {
                    await PublishEventAsync(client, message, flush.Token).ConfigureAwait(false);
                    await PublishRuleStateAsync(client, message, flush.Token).ConfigureAwait(false);
                }
                // The snapshots service stops before this one, so the last triggers' pictures are all queued by now.
                while (_snapshots is not null && _snapshots.TryRead(out (EventSnapshot Info, byte[] Jpeg) shot))
                    await PublishAsync(client, _topics!.Snapshot, shot.Jpeg, retain: true, flush.Token).ConfigureAwait(false);
                await PublishAsync(client, _topics!.State, StatePayload(), retain: true, flush.Token).ConfigureAwait(false);
                // The outputs are off once the service stops, whatever the rules last said.
                for (int i = 0; i < _ruleStates.Count; i++) await PublishRuleStateAsync(client, i, "OFF", flush.Token).ConfigureAwait(false);
                await PublishAsync(client, _topics!.Availability, "offline", retain: true, flush.Token).ConfigureAwait(false);
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), flush.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (IsConnectionFailure(e) || e is InvalidOperationException)
        {
            LogStopFailed(e.Message);
        }
        counters.Connected = false;
        int unsent = _events!.Reader.Count;
        ReportDrops();
        LogStopped(counters.Published, EventsDropped, unsent);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: ignored '{Command}' on {Topic}; send ON, OFF, SNOOZE or SNOOZE 30m")]
    private partial void LogBadCommand(string command, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Host}:{Port} as {ClientId}; publishing under {Prefix}/")]
    private partial void LogConnected(string host, int port, string clientId, string prefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} unreachable or refusing ({Reason}); the device keeps classifying and retries in {Seconds:0.#} s, then with backoff")]
    private partial void LogUnreachable(string host, int port, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT publishing failed unexpectedly; the device keeps classifying and retries in {Seconds:0.#} s")]
    private partial void LogFailed(Exception exception, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: {New} events dropped because the queue ({Capacity}) was full while the broker was away or slow ({Total} in all)")]
    private partial void LogDropped(long @new, long total, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: could not finish publishing on stop ({Reason})")]
    private partial void LogStopFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT stopped: {Published} events published, {Dropped} dropped, {Unsent} left unsent")]
    private partial void LogStopped(long published, long dropped, int unsent);
}
