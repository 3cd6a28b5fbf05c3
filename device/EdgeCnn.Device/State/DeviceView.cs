using EdgeCnn.Device.Arming;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Statistics;

namespace EdgeCnn.Device.State;

/// <summary>
/// What every reporter (the HTTP endpoint, MQTT, the display) reads: the loop's side, read-only; the frame
/// statistics; the kept trigger snapshots; the MQTT publisher's own account; the clock. And the one control a
/// reporter may offer its user: the arming switch.
/// </summary>
public sealed record DeviceView(IDeviceState Loop, FrameStatistics Statistics, EventSnapshots Events, IMqttStatus Mqtt, ArmSwitch Arming, TimeProvider Clock);
