using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeCnn.Tests;

/// <summary>Starts the real device executable (the test build's edgecnn-device.dll), collecting its output lines.</summary>
internal static class DeviceProcess
{
    public static Process Start(IEnumerable<string> arguments, Dictionary<string, string> environment, ConcurrentQueue<string> output)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
