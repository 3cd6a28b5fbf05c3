namespace EdgeCnn.Device.Configuration;

/// <summary>
/// A problem in the settings, the files they name or the installation (a GPIO chip that does not exist, a group the
/// user lacks) that restarting cannot fix: the device exits with <see cref="ExitCodes.Configuration"/>, which the unit's
/// <c>RestartPreventExitStatus</c> keeps from a restart loop. Its message names the key or file and the fix.
/// </summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
