using System.Net;

namespace EdgeCnn.Device.Configuration;

/// <summary>The optional status endpoint: health, status, snapshot and metrics over HTTP (section <c>Http</c>).</summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Http";

    /// <summary>Serve the endpoint. Off by default: a device on a network should not show its camera unasked.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Where Kestrel listens, separated by ';'. Loopback by default, so only the Pi itself (or an SSH tunnel) sees it;
    /// <c>http://0.0.0.0:8080</c> opens it to the network, which wants a <see cref="BearerToken"/>. Port 0 picks a free port.
    /// </summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// When set, every endpoint but <c>/healthz</c> needs <c>Authorization: Bearer TOKEN</c>. Prefer the environment
    /// (EDGECNN_Http__BearerToken) to a file others can read.
    /// </summary>
    public string BearerToken { get; set; } = "";

    /// <summary>
    /// The Host headers the endpoint answers, separated by ';' (<c>*.example.com</c> wildcards; <c>*</c> for any).
    /// Empty means this machine's own names: localhost, the loopback addresses, the host name (and NAME.local), its
    /// network addresses and the hosts in <see cref="Urls"/>. A page on another site cannot then reach a loopback
    /// endpoint through a DNS name that it points at 127.0.0.1 (DNS rebinding).
    /// </summary>
    public string AllowedHosts { get; set; } = "";

    /// <summary><c>/healthz</c> reports unhealthy when no frame has been classified for this long.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>/snapshot.jpg</c> waits this long for the loop's next frame before it answers 503.</summary>
    public TimeSpan SnapshotTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The longest <see cref="SnapshotTimeout"/>: a request that waits longer for a frame holds a connection for nothing.</summary>
    public static readonly TimeSpan MaxSnapshotTimeout = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most frames per second <c>/stream.mjpg</c> sends each viewer (1 to 30). Frames are encoded only while
    /// someone watches, off the frame loop, which only copies each frame sent.
    /// </summary>
    public double StreamFramesPerSecond { get; set; } = 5;

    /// <summary>The URLs, split.</summary>
    public string[] UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether any URL listens beyond this machine.</summary>
    public bool ListensBeyondLoopback => UrlList.Any(url =>
        Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.Host != "localhost" && !(IPAddress.TryParse(uri.Host, out IPAddress? address) && IPAddress.IsLoopback(address)));

    /// <summary>Checks the values (only when enabled); errors name the key and say how to fix it.</summary>
    public void Validate()
    {
        if (!Enabled) return;
        if (UrlList.Length == 0) throw new ArgumentException($"{Section}:Urls is empty; use e.g. http://127.0.0.1:8080.");
        foreach (string url in UrlList)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
                throw new ArgumentException($"{Section}:Urls: '{url}' is not an http://HOST:PORT address; use e.g. http://127.0.0.1:8080 (for HTTPS, put a reverse proxy such as Caddy in front).");
        }
        if (!(StreamFramesPerSecond is >= 1 and <= 30))
            throw new ArgumentException($"{Section}:StreamFramesPerSecond is {StreamFramesPerSecond}; use 1 to 30 (frames per second sent to each viewer of /stream.mjpg).");
        if (BearerToken.Length is > 0 and < 16)
            throw new ArgumentException($"{Section}:BearerToken is {BearerToken.Length} characters; use at least 16 (e.g. openssl rand -hex 16), or leave it empty for no token.");
        if (BearerToken.Length == 0 && ListensBeyondLoopback)
            throw new ArgumentException($"{Section}:Urls ({Urls}) listens beyond this machine without {Section}:BearerToken, so anyone on the network could watch the camera; " +
                "set a token (EDGECNN_Http__BearerToken=$(openssl rand -hex 16) in /etc/edgecnn/secrets.env) or listen on http://127.0.0.1:8080.");
        if (StaleAfter <= TimeSpan.Zero) throw new ArgumentException($"{Section}:StaleAfter is {StaleAfter}; use a positive time such as 00:00:05.");
        if (SnapshotTimeout <= TimeSpan.Zero || SnapshotTimeout > MaxSnapshotTimeout)
            throw new ArgumentException($"{Section}:SnapshotTimeout is {SnapshotTimeout}; use a positive time up to {MaxSnapshotTimeout:c}, such as 00:00:03 (a request waits this long for the next classified frame).");
    }
}
