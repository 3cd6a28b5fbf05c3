using System.Runtime.InteropServices;

namespace EdgeCnn.CommandLine;

/// <summary>
/// Ctrl-C and SIGTERM (<c>kill</c>, <c>systemctl stop</c>) for both command lines: they cancel a token instead of
/// ending the process, so the running command stops at its next safe point (a batch boundary, a frame) and exits
/// through its normal path, with its files whole and its outputs off. Compiled into edgecnn-train and edgecnn-device.
/// </summary>
internal static class StopSignal
{
    /// <summary>A token source that Ctrl-C or SIGTERM cancels, until <paramref name="registration"/> is disposed.</summary>
    public static CancellationTokenSource Listen(out IDisposable registration)
    {
        var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        registration = new Unregister(() =>
        {
            Console.CancelKeyPress -= onCtrlC;
            onTerm.Dispose();
        });
        return stop;
    }

    private sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
