using System.Globalization;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Systemd;

namespace EdgeCnn.Tests.Device;

public sealed class SystemdNotifierTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Ready_status_and_rate_limited_watchdog_pings_reach_the_notify_socket()
    {
        using var socket = new NotifySocket(_folder["notify"]);
        using var notifier = new SystemdNotifier(socket.Path, "200000", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.True(notifier.IsEnabled);
        Assert.Equal(TimeSpan.FromMilliseconds(200), notifier.WatchdogInterval);

        notifier.Ready("classifying");
        for (int i = 0; i < 5; i++) notifier.PingWatchdogIfDue(); // one ping: the rest come within half the interval
        Thread.Sleep(150);
        notifier.PingWatchdogIfDue();
        notifier.Stopping();

        List<string> messages = socket.ReadUntil(m => m.Contains("STOPPING=1"), TimeSpan.FromSeconds(5));
        Assert.Equal(["READY=1\nSTATUS=classifying", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"], messages);
    }

    [Fact]
    public void Without_a_notify_socket_or_for_another_process_nothing_is_sent()
    {
        using var none = new SystemdNotifier(null, "200000", null);
        Assert.False(none.IsEnabled);
        none.Ready("x");
        none.PingWatchdogIfDue();

        using var socket = new NotifySocket(_folder["notify"]);
        using var other = new SystemdNotifier(socket.Path, "200000", "1");
        Assert.Null(other.WatchdogInterval); // WATCHDOG_PID names another process
    }
}
