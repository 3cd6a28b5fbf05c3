using EdgeCnn.Device.Arming;
using EdgeCnn.Device.State;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Vision;
using Prometheus;

namespace EdgeCnn.Device.Http;

/// <summary>
/// The Prometheus view of the device. The loop keeps its own counters (cheap, allocation-free); these collectors
/// copy them when a scrape asks, so exporting costs the loop nothing.
/// </summary>
public sealed class DeviceMetrics
{
    private readonly IDeviceState _service;
    private readonly FrameStatistics _statistics;
    private readonly Counter _mqttPublished;
    private readonly Counter _mqttDropped;
    private readonly Gauge _mqttConnected;
    private readonly Counter _frames;
    private readonly Counter _dropped;
    private readonly Counter _reconnects;
    private readonly Counter _reloads;
    private readonly Counter _triggers;
    private readonly Gauge _ruleActive;
    private readonly Gauge _outputOn;
    private readonly Gauge _framesPerSecond;
    private readonly Gauge _topProbability;
    private readonly Gauge _modelInfo;
    private readonly IMqttStatus _mqtt;
    private readonly ArmSwitch? _arming;
    private readonly Gauge? _armed;
    private readonly TimeProvider _clock;

    /// <summary>Adds the device's collectors to the statistics' registry.</summary>
    public DeviceMetrics(IDeviceState service, IMqttStatus mqtt, FrameStatistics statistics, ArmSwitch? arming = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        _mqtt = mqtt;
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(statistics);
        _service = service;
        _statistics = statistics;
        Registry = statistics.Registry;
        MetricFactory metrics = Metrics.WithCustomRegistry(Registry);
        _frames = metrics.CreateCounter("edgecnn_frames_total", "Frames classified.");
        _dropped = metrics.CreateCounter("edgecnn_frames_dropped_total", "Stale frames skipped because a newer one was waiting (the model is slower than the camera).");
        _reconnects = metrics.CreateCounter("edgecnn_source_reconnects_total", "Times the frame source was lost and reopened.");
        _reloads = metrics.CreateCounter("edgecnn_model_reloads_total", "Models swapped in by hot reload.");
        _triggers = metrics.CreateCounter("edgecnn_rule_triggers_total", "Times each rule triggered.", "rule");
        _ruleActive = metrics.CreateGauge("edgecnn_rule_active", "1 while the rule is active (its outputs on).", "rule");
        _outputOn = metrics.CreateGauge("edgecnn_output_on", "1 while the GPIO output is physically on.", "output");
        _framesPerSecond = metrics.CreateGauge("edgecnn_frames_per_second", "Frames classified per second, recently.");
        _modelInfo = metrics.CreateGauge("edgecnn_model_info",
            "1 for the model running now: its architecture, its SHA-256, and the SHA-256 of the model it was made from (an int8 twin's fp32 model; its own otherwise), which is the same on devices that run different twins of one model.",
            "architecture", "sha256", "source_sha256");
        _topProbability = metrics.CreateGauge("edgecnn_top_probability", "Probability of the top class in the last frame.", "class");
        _mqttPublished = metrics.CreateCounter("edgecnn_mqtt_events_published_total", "Rule events the MQTT broker acknowledged.");
        _mqttDropped = metrics.CreateCounter("edgecnn_mqtt_events_dropped_total", "Rule events dropped because the MQTT queue was full.");
        _mqttConnected = metrics.CreateGauge("edgecnn_mqtt_connected", "1 while connected to the MQTT broker (0 also when MQTT is off).");
        _arming = arming;
        _clock = clock ?? TimeProvider.System;
        if (arming is not null)
            _armed = metrics.CreateGauge("edgecnn_armed", "1 for the device's arming mode now (armed, disarmed, snoozed, quiet-hours); outputs switch only while armed.", "mode");
        Registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>The registry a scrape exports.</summary>
    public CollectorRegistry Registry { get; }

    private void Update()
    {
        _frames.IncTo(_statistics.FramesClassified);
        _dropped.IncTo(_service.DroppedFrames);
        _reconnects.IncTo(_statistics.Reconnects);
        _reloads.IncTo(_service.ModelReloads);
        _framesPerSecond.Set(_statistics.FramesPerSecond());
        _mqttPublished.IncTo(_mqtt.Published);
        _mqttDropped.IncTo(_mqtt.Dropped);
        _mqttConnected.Set(_mqtt.Connected ? 1 : 0);
        for (int i = 0; i < _service.Rules.Count; i++)
        {
            string rule = _service.Rules[i].Name;
            _triggers.WithLabels(rule).IncTo(_service.Triggers(i));
            _ruleActive.WithLabels(rule).Set(_service.IsRuleActive(i) ? 1 : 0);
        }
        if (_arming is not null)
        {
            ArmedMode now = _arming.Mode(_clock.GetUtcNow());
            foreach (ArmedMode mode in Enum.GetValues<ArmedMode>()) _armed!.WithLabels(ArmingState.Name(mode)).Set(mode == now ? 1 : 0);
        }
        foreach (var output in _service.Outputs) _outputOn.WithLabels(output.Name).Set(output.IsOn ? 1 : 0);
        if (_service.Manifest is { } running)
        {
            foreach (string[] labels in _modelInfo.GetAllLabelValues().ToArray()) _modelInfo.RemoveLabelled(labels);
            _modelInfo.WithLabels(running.Architecture, running.ModelSha256, running.Fp32ModelSha256 ?? running.ModelSha256).Set(1);
        }
        (int topClass, float probability) = _statistics.LastTop;
        if (_service.Manifest is { } manifest && topClass >= 0)
        {
            // One series, relabelled: the class of the last frame and how sure the model was.
            foreach (string[] labels in _topProbability.GetAllLabelValues().ToArray()) _topProbability.RemoveLabelled(labels);
            _topProbability.WithLabels(manifest.Describe(new Classification(topClass, probability))).Set(probability);
        }
    }

    /// <summary>Writes every metric in Prometheus' text format.</summary>
    public Task WriteAsync(Stream stream, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(stream, cancellationToken);
}
