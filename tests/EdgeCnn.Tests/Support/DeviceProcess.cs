using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeCnn.Tests.Support;

/// <summary>Starts the real device executable (the test build's edgecnn-device.dll), collecting its output lines.</summary>
internal static class DeviceProcess
{
    /// <param name="arguments">The device's arguments.</param>
    /// <param name="environment">Variables added to the device's environment.</param>
    /// <param name="output">Receives each line of standard output, and of standard error prefixed "stderr: ".</param>
    /// <param name="shell">A shell (bash or a copy of it) to start the device from, which stays its parent process; null starts it directly.</param>
    public static Process Start(IEnumerable<string> arguments, Dictionary<string, string> environment, ConcurrentQueue<string> output, string? shell = null)
    {
        var start = new ProcessStartInfo(shell ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Not exec: the shell waits for the device, so the device's parent is the shell.
        if (shell is not null) foreach (string argument in new[] { "-c", "dotnet \"$@\"; exit $?", "shell" }) start.ArgumentList.Add(argument);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgecnn-device.dll"));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach ((string key, string value) in environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
