namespace EdgeCnn.Device.State;

/// <summary>One output as reporters see it: its name and whether it is on, copied when asked (nothing here can switch it).</summary>
/// <param name="Name">The output's name.</param>
/// <param name="IsOn">Whether the device is physically on.</param>
public readonly record struct OutputState(string Name, bool IsOn);
