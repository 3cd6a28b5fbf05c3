using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EdgeCnn.Device.Systemd;

/// <summary>
/// sd_notify for the frame loop: READY=1 once the first frame is classified, and WATCHDOG=1 pings at half the
/// unit's WatchdogSec, sent from the loop itself so that a stalled camera or a hung model stops them and systemd
/// restarts the service. One connected socket and preencoded messages: pinging allocates nothing.
/// </summary>
/// <remarks>
/// The only sender of READY=1: the host does not use Microsoft.Extensions.Hosting.Systemd's lifetime, which would
/// send it when the host has started, before any frame.
/// </remarks>
public sealed class SystemdNotifier : IDisposable
{
    private static readonly byte[] Watchdog = "WATCHDOG=1"u8.ToArray();
    private readonly Socket? _socket;
    private readonly long _pingEvery;
    private long _lastPing;

    /// <summary>Connects to $NOTIFY_SOCKET when systemd (or a test) set it; otherwise every call does nothing.</summary>
    public SystemdNotifier()
        : this(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"), Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"))
    {
    }

    /// <summary>Connects to <paramref name="socketPath"/> (a leading '@' is the abstract namespace).</summary>
    public SystemdNotifier(string? socketPath, string? watchdogMicroseconds, string? watchdogPid)
    {
        if (string.IsNullOrEmpty(socketPath)) return;
        string path = socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath;
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            socket.Dispose();
            return;
        }
        _socket = socket;
        bool forUs = string.IsNullOrEmpty(watchdogPid) || watchdogPid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (forUs && long.TryParse(watchdogMicroseconds, NumberStyles.None, CultureInfo.InvariantCulture, out long microseconds) && microseconds > 0)
            WatchdogInterval = TimeSpan.FromMicroseconds(microseconds);
        _pingEvery = (long)((WatchdogInterval?.TotalSeconds ?? 0) / 2 * Stopwatch.Frequency);
    }

    /// <summary>Whether a notify socket is connected.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary>The unit's WatchdogSec, when systemd asked for pings.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>Tells systemd the service is ready, with a status line for <c>systemctl status</c>.</summary>
    public void Ready(string status) => Send(Encoding.UTF8.GetBytes($"READY=1\nSTATUS={OneLine.Of(status)}"));

    /// <summary>Tells systemd the service is stopping.</summary>
    public void Stopping() => Send("STOPPING=1"u8);

    /// <summary>Pings the watchdog if half its interval has passed since the last ping. Allocation-free.</summary>
    public void PingWatchdogIfDue()
    {
        if (_pingEvery <= 0) return;
        long now = Stopwatch.GetTimestamp();
        if (now - _lastPing < _pingEvery) return;
        _lastPing = now;
        Send(Watchdog);
    }

    private void Send(ReadOnlySpan<byte> message)
    {
        if (_socket is null) return;
        try
        {
            _socket.Send(message);
        }
        catch (SocketException)
        {
            // systemd went away (shutdown) or the socket is full; nothing useful to do from the frame loop.
        }
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _socket?.Dispose();
}
