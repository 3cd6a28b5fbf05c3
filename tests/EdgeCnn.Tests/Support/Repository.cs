using System.Diagnostics;

namespace EdgeCnn.Tests.Support;

/// <summary>The checkout the tests run from, and a way to run its scripts.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string File(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (string? folder = AppContext.BaseDirectory; folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (System.IO.File.Exists(Path.Combine(folder, "EdgeCnn.sln"))) return folder;
        }
        throw new InvalidOperationException("the tests must run inside the EdgeCnn checkout");
    }

    /// <summary>Runs a program to the end; returns its exit code and its standard output and error, interleaved.</summary>
    public static (int ExitCode, string Output) Run(string program, IEnumerable<string> arguments, Dictionary<string, string>? environment = null,
        TimeSpan? timeout = null, string? workingDirectory = null)
    {
        // A script given as the README writes it (scripts/deploy.sh) is run from the checkout, as a user runs it there.
        if (program.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(program)) program = Path.Combine(workingDirectory ?? Root, program);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach ((string key, string value) in environment ?? []) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish:\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
