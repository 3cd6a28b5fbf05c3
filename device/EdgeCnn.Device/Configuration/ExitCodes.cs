using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Configuration;

/// <summary>
/// The device's exit codes, which systemd acts on: <c>Restart=on-failure</c> restarts on <see cref="Failure"/>
/// (and on a crash or a signal) but not on <see cref="Configuration"/> (<c>RestartPreventExitStatus=2</c>).
/// </summary>
public static class ExitCodes
{
    /// <summary>Stopped as asked, or the clip ended.</summary>
    public const int Success = 0;

    /// <summary>Something that may pass (a camera or pin busy at boot, a full disk, a network error): systemd retries.</summary>
    public const int Failure = 1;

    /// <summary>A bad setting, model or file, or a missing part of the installation: restarting cannot fix it.</summary>
    public const int Configuration = 2;

    /// <summary>A verb other than <c>run</c> (such as <c>bench</c>) stopped by Ctrl-C or SIGTERM before it measured anything: 128 + SIGINT.</summary>
    public const int Cancelled = 130;

    /// <summary>
    /// Whether <paramref name="e"/> is a configuration error: settings validation, a model or manifest that cannot
    /// be used, a file the settings name that does not exist, a command-line value, a native library not installed.
    /// </summary>
    public static bool IsConfigurationError(Exception e) =>
        e is ConfigurationException or OptionsValidationException or InvalidDataException or ArgumentException
            or FileNotFoundException or DirectoryNotFoundException or DllNotFoundException;

    /// <summary>
    /// Whether <paramref name="e"/> is an expected failure that gets one line instead of a stack trace: a configuration
    /// error, or an I/O, permission or device-state failure that a retry may get past.
    /// </summary>
    public static bool IsExpected(Exception e) =>
        IsConfigurationError(e) || e is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException;

    /// <summary>The exit code for an expected failure.</summary>
    public static int For(Exception e) => IsConfigurationError(e) ? Configuration : Failure;
}
