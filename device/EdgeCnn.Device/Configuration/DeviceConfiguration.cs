using Microsoft.Extensions.Configuration;

namespace EdgeCnn.Device.Configuration;

/// <summary>
/// Where the device's settings come from, later ones overriding earlier ones: <c>appsettings.json</c> beside the
/// executable, <c>/etc/edgecnn/edgecnn.json</c>, the file given with <c>--config</c>, then environment variables
/// prefixed <c>EDGECNN_</c> (<c>EDGECNN_Source__Type=file</c>).
/// </summary>
public static class DeviceConfiguration
{
    /// <summary>The system-wide configuration file that deploy writes.</summary>
    public const string SystemFile = "/etc/edgecnn/edgecnn.json";

    /// <summary>The prefix of environment variables that override settings.</summary>
    public const string EnvironmentPrefix = "EDGECNN_";

    /// <summary>Adds the sources, in order; a missing <paramref name="configFile"/> is an error that names it.</summary>
    public static IConfigurationBuilder AddDeviceSources(this IConfigurationBuilder builder, string? configFile, string? systemFile = SystemFile)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (systemFile is not null) builder.AddJsonFile(systemFile, optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            string full = Path.GetFullPath(configFile);
            if (!File.Exists(full)) throw new FileNotFoundException($"{full}: configuration file not found (given with --config).", full);
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        return builder.AddEnvironmentVariables(EnvironmentPrefix);
    }
}
