using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// A real server program (mosquitto, sshd) on a free 127.0.0.1 port for one test: started, waited for until it
/// accepts connections, and killed at the end (or by <see cref="Stop"/>, as a server that goes away).
/// </summary>
internal abstract class LoopbackServer : IDisposable
{
    private Process? _process;

    protected LoopbackServer()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The program, its arguments and how the error message names it.</summary>
    protected abstract (string Program, string[] Arguments) Command { get; }

    /// <summary>Starts the server (again, after <see cref="Stop"/>) and waits until it accepts connections.</summary>
    public void Start()
    {
        (string program, string[] arguments) = Command;
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        if (!SpinWait.SpinUntil(Accepts, TimeSpan.FromSeconds(20))) throw new InvalidOperationException($"{Path.GetFileName(program)} is not listening on port {Port}");
    }

    /// <summary>Kills the server (gone, as after a crash or a pulled cable) and waits until it is.</summary>
    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill();
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
            Thread.Sleep(100);
            return false;
        }
    }

    /// <summary>Runs a setup program to the end; throws with its output when it fails.</summary>
    protected static void Must(string program, string[] arguments)
    {
        (int exit, string output) = Repository.Run(program, arguments);
        if (exit != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {output}");
    }

    public virtual void Dispose() => Stop();
}
