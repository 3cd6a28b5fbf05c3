using System.Net.Sockets;
using System.Text;

namespace EdgeCnn.Tests.Support;

/// <summary>A NOTIFY_SOCKET the test listens on, as systemd does: a Unix datagram socket collecting sd_notify messages.</summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public NotifySocket(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
    }

    public string Path { get; }

    /// <summary>Reads messages until <paramref name="done"/> holds for those read so far, or the time runs out.</summary>
    public List<string> ReadUntil(Func<List<string>, bool> done, TimeSpan timeout)
    {
        var messages = new List<string>();
        var buffer = new byte[4096];
        DateTime end = DateTime.UtcNow + timeout;
        while (!done(messages) && DateTime.UtcNow < end)
        {
            if (!_socket.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead)) continue;
            int read = _socket.Receive(buffer);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, read));
        }
        return messages;
    }

    public void Dispose()
    {
        _socket.Dispose();
        File.Delete(Path);
    }
}
