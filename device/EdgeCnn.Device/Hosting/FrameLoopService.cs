using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Hosting;

/// <summary>
/// The hosted service that runs the <see cref="DeviceRuntime"/>: opens it at start (a bad model or pin fails the
/// start), stops the host when the loop ends or fails, and stops it on stop; its outputs are off on every way out.
/// </summary>
public sealed partial class FrameLoopService(
    DeviceRuntime runtime, RuleEventBus bus, SystemdNotifier notifier, IHostApplicationLifetime lifetime, ILogger<FrameLoopService> logger) : IHostedService
{
    private readonly ILogger _logger = logger;

    /// <summary>The process exit code the loop asks for: 0 unless it failed.</summary>
    public int ExitCode { get; private set; }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.Open();
        runtime.Completion.ContinueWith(OnLoopEnded, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private void OnLoopEnded(Task<bool> loop)
    {
        if (loop.IsFaulted) ExitCode = ExitCodes.Failure;
        else if (loop.Result) LogClipEnded();
        else return; // stopped by the host
        lifetime.StopApplication();
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        notifier.Stopping();
        try
        {
            runtime.Stop();
        }
        finally
        {
            // No rule event comes after the loop: the logger, MQTT and the snapshots finish what they were handed.
            bus.Complete();
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "the clip has ended; stopping")]
    private partial void LogClipEnded();
}
