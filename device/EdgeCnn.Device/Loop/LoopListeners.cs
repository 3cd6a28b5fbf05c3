using EdgeCnn.Device.Events;
using EdgeCnn.Device.Statistics;
using EdgeCnn.Device.Systemd;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// Where the frame loop's news goes, all of it without waiting: stage timings and counts, rule events for the
/// logger and MQTT, readiness and the watchdog for systemd, and a trigger's frame for its snapshot.
/// </summary>
public sealed record LoopListeners(FrameStatistics Statistics, RuleEventBus Bus, SystemdNotifier Notifier, EventSnapshots Snapshots);
