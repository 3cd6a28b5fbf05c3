using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeCnn.Tests;

/// <summary>
/// A real Mosquitto broker (Debian's mosquitto) on 127.0.0.1 for one test, with a password file; it can be stopped
/// and started again on the same port, as a broker that goes away and comes back.
/// </summary>
internal sealed class MosquittoBroker : IDisposable
{
    private readonly string _config;
    private Process? _process;

    public MosquittoBroker(string folder)
    {
        Directory.CreateDirectory(folder);
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        string passwords = Path.Combine(folder, "passwords");
        Must("mosquitto_passwd", ["-b", "-c", passwords, User, Password]);
        _config = Path.Combine(folder, "mosquitto.conf");
        // As root, mosquitto would switch to the 'mosquitto' user, which cannot read the test's files.
        string[] user = Environment.UserName == "root" ? ["user root"] : [];
        File.WriteAllLines(_config, [$"listener {Port} 127.0.0.1", "allow_anonymous false", $"password_file {passwords}", "persistence false", "log_dest stderr", .. user]);
        Start();
    }

    public int Port { get; }

    public const string User = "edgecnn";

    public const string Password = "s3cret-broker-password";

    public void Start()
    {
        var start = new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", _config]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        _process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        if (!SpinWait.SpinUntil(Accepts, TimeSpan.FromSeconds(20))) throw new InvalidOperationException($"mosquitto is not listening on port {Port}");
    }

    /// <summary>Stops the broker (SIGKILL: gone, as after a crash or a pulled cable) and waits until it is.</summary>
    public void Stop()
    {
        if (_process is null) return;
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Must(string file, string[] arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {error}");
    }

    public void Dispose() => Stop();
}
