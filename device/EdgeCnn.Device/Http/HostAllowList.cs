using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Net;
using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Http;

/// <summary>
/// The Host headers the endpoint answers (<see cref="HttpOptions.AllowedHosts"/>, or this machine's own names and
/// addresses), so that a page on another site cannot reach a loopback endpoint through a DNS name it points at
/// 127.0.0.1 (DNS rebinding).
/// </summary>
/// <remarks>
/// The machine's addresses are read again when a Host header is not on the list (at most once a second): a Pi
/// that gets its address from DHCP after the service started, or a new one, is answered without a restart.
/// </remarks>
public sealed class HostAllowList
{
    private static readonly TimeSpan RefreshAtMost = TimeSpan.FromSeconds(1);
    private readonly HttpOptions _options;
    private readonly TimeProvider _clock;
    private readonly bool _configured;
    private readonly Lock _refreshing = new();
    private volatile string[] _hosts;
    private long _refreshed;

    /// <summary>The list for <paramref name="options"/>, read now.</summary>
    public HostAllowList(HttpOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _clock = clock;
        string[] configured = options.AllowedHosts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _configured = configured.Length > 0;
        _hosts = _configured ? configured : OwnNames(options);
        _refreshed = clock.GetTimestamp();
    }

    /// <summary>The names and addresses answered now.</summary>
    public IReadOnlyList<string> Hosts => _hosts;

    /// <summary>Whether a request whose Host header is <paramref name="hostHeader"/> (with or without a port) is answered.</summary>
    public bool Allows(string hostHeader)
    {
        string host = WithoutPort(hostHeader);
        if (host.Length == 0) return false;
        if (Matches(_hosts, host)) return true;
        if (_configured) return false;
        lock (_refreshing)
        {
            if (_clock.GetElapsedTime(_refreshed) < RefreshAtMost) return false;
            _refreshed = _clock.GetTimestamp();
            _hosts = OwnNames(_options);
        }
        return Matches(_hosts, host);
    }

    private static bool Matches(string[] hosts, string host)
    {
        foreach (string allowed in hosts)
        {
            if (allowed == "*" || allowed.Equals(host, StringComparison.OrdinalIgnoreCase)) return true;
            // *.example.com: any name below example.com, as ASP.NET's host filtering reads it.
            if (allowed.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    // "name:8080" → "name"; "[::1]:8080" → "[::1]"; "[::1]" stays.
    private static string WithoutPort(string hostHeader)
    {
        string host = hostHeader.Trim();
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? "" : host[..(close + 1)];
        }
        int colon = host.LastIndexOf(':');
        return colon < 0 ? host : host[..colon];
    }

    // localhost, the loopback addresses, the host name (and NAME.local), the hosts in Urls and every address of every interface.
    private static string[] OwnNames(HttpOptions options)
    {
        var hosts = new List<string> { "localhost", "127.0.0.1", "[::1]", Environment.MachineName, Environment.MachineName + ".local" };
        foreach (string url in options.UrlList)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.Host is not ("0.0.0.0" or "[::]" or "*" or "+")) hosts.Add(uri.Host);
        }
        try
        {
            foreach (NetworkInterface network in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (UnicastIPAddressInformation unicast in network.GetIPProperties().UnicastAddresses)
                {
                    // Without the scope (%eth0), which a Host header does not carry; IPv6 in brackets, as in a URL.
                    string address = new IPAddress(unicast.Address.GetAddressBytes()).ToString();
                    hosts.Add(unicast.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address);
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Without the interface list, the names above still work.
        }
        return [.. hosts.Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}
