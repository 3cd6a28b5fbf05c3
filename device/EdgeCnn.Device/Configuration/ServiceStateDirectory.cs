namespace EdgeCnn.Device.Configuration;

/// <summary>
/// The state directory systemd gives the service (<c>$STATE_DIRECTORY</c>, which the unit's
/// <c>StateDirectory=edgecnn</c> makes <c>/var/lib/edgecnn</c>): where the outputs in use and the event snapshots are
/// kept. Null when the device does not run under systemd.
/// </summary>
public static class ServiceStateDirectory
{
    /// <summary>The first folder of <c>$STATE_DIRECTORY</c>, or null.</summary>
    public static string? Path => Environment.GetEnvironmentVariable("STATE_DIRECTORY")?.Split(':')[0];
}
