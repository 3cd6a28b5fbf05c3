using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// An HTTP server on loopback that sends a whole MPEG-TS clip to each client and then stalls: the connection stays
/// open and nothing more comes, as when a network camera hangs. Counts the connections it accepted.
/// </summary>
internal sealed class StallingStreamServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly byte[] _stream;
    private readonly List<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public StallingStreamServer(byte[] stream)
    {
        _stream = stream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients) _clients.Add(client);
                Interlocked.Increment(ref _connections);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            NetworkStream stream = client.GetStream();
            // Read the request up to its blank line; its content does not matter.
            var request = new StringBuilder();
            var buffer = new byte[1024];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0) return;
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nContent-Type: video/mp2t\r\n\r\n"), _stop.Token);
            await stream.WriteAsync(_stream, _stop.Token);
            // Then nothing: the connection stays open until the client gives up or the server stops.
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client went away.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            foreach (TcpClient client in _clients) client.Dispose();
        }
        _accepting.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
